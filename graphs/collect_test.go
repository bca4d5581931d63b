package graphs

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// block is a nested network that lists its own parameters.
type block struct{ W *Param }

func (b *block) Params() Params { return Params{b.W, NewParam("extra", 1)} }

type testNet struct {
	Name     string
	Layers   []*Linear
	Optional *Linear // nil is skipped
	Inner    any     // walked through the interface
	Scale    *Param
	Sizes    [2]int
	hidden   *Param // unexported: not a parameter of the network
	Blocks   [1]*block
}

func TestCollectParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sn := NewLinear("sn", 2, 2, rng)
	sn.SN = NewSpectralNorm(sn.Weight, rng)
	net := &testNet{
		Layers: []*Linear{NewLinear("a", 2, 2, rng), sn},
		Inner:  struct{ P *Param }{NewParam("inner", 1)},
		Scale:  NewParam("scale", 1),
		hidden: NewParam("hidden", 1),
		Blocks: [1]*block{{W: NewParam("block", 1)}},
	}
	var got []string
	for _, p := range CollectParams(net) {
		got = append(got, p.Name)
	}
	require.Equal(t, []string{"a.weight", "a.bias", "sn.weight", "sn.bias", "sn.weight_u", "sn.weight_v", "inner", "scale", "block", "extra"}, got)
	require.Nil(t, CollectParams((*testNet)(nil)))
	require.Nil(t, CollectParams(3))
}
