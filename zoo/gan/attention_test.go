package gan

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAttentionErrorReported: a block that cannot be built is an error,
// not a missing block (a SAGAN would otherwise train without attention).
func TestAttentionErrorReported(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	blk, err := newAttention("gen.attn", 0, false, rng)
	require.ErrorContains(t, err, "channel")
	require.Nil(t, blk)
}
