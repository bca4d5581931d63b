package attention

import (
	"math/rand/v2"
	"testing"

	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/stretchr/testify/require"
)

// TestParamOrder pins the names and the order of the blocks' parameters,
// PyTorch's state_dict order, which checkpoints and optimiser state follow.
func TestParamOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	paper, err := New("a", 16, Config{}, rng)
	require.NoError(t, err)
	require.Equal(t, []string{"a.f.weight", "a.f.bias", "a.g.weight", "a.g.bias", "a.h.weight", "a.h.bias", "a.gamma"}, testutil.Names(paper.Params()))
	half, err := New("a", 16, Config{Pool: true, HalfValues: true}, rng)
	require.NoError(t, err)
	require.Equal(t, []string{"a.f.weight", "a.f.bias", "a.g.weight", "a.g.bias", "a.h.weight", "a.h.bias", "a.v.weight", "a.v.bias", "a.gamma"}, testutil.Names(half.Params()))
	tok, err := NewTokens("t", 16, Config{HalfValues: true}, rng)
	require.NoError(t, err)
	require.Equal(t, []string{"t.f.weight", "t.f.bias", "t.g.weight", "t.g.bias", "t.h.weight", "t.h.bias", "t.v.weight", "t.v.bias", "t.gamma"}, testutil.Names(tok.Params()))
}
