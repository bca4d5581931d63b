package graphs_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
)

func TestDropoutMask(t *testing.T) {
	b := graphs.NewBuilder()
	b.Training = true
	x := b.Input("x", 100, 100)
	y := graphs.Dropout{P: 0.3}.Forward(b, x)
	require.NoError(t, b.Err())
	require.NotSame(t, x, y)
	require.Len(t, b.Masks(), 1)

	graphs.RefillMasks(b.Masks(), rand.New(rand.NewPCG(1, 1)))
	first := append([]float32(nil), graphs.Value(b.Masks()[0].Node).Data().([]float32)...)
	zeros := 0
	for _, v := range first {
		switch v {
		case 0:
			zeros++
		default:
			require.InDelta(t, 1/0.7, v, 1e-6)
		}
	}
	require.InDelta(t, 0.3, float64(zeros)/1e4, 0.02)

	graphs.RefillMasks(b.Masks(), rand.New(rand.NewPCG(1, 1)))
	require.Equal(t, first, graphs.Value(b.Masks()[0].Node).Data().([]float32), "same seed, same mask")
	graphs.RefillMasks(b.Masks(), rand.New(rand.NewPCG(2, 1)))
	require.NotEqual(t, first, graphs.Value(b.Masks()[0].Node).Data().([]float32))
}

func TestDropoutIdentityOutsideTraining(t *testing.T) {
	b := graphs.NewBuilder()
	x := b.Input("x", 2, 2)
	require.Same(t, x, graphs.Dropout{P: 0.5}.Forward(b, x))
	b.Training = true
	require.Same(t, x, graphs.Dropout{}.Forward(b, x))
	require.Empty(t, b.Masks())
}

func TestDropoutGradient(t *testing.T) {
	l := graphs.NewLinear("l", 4, 6, rand.New(rand.NewPCG(3, 3)))
	params := l.Params().ToFloat64()
	ll := &graphs.Linear{Weight: params[0], Bias: params[1]}
	require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		b.Training = true
		x := b.Input("x", 5, 4)
		testutil.FillNormal(t, x, rand.New(rand.NewPCG(4, 4)), 1)
		h := graphs.Dropout{P: 0.5}.Forward(b, b.Tanh(ll.Forward(b, x)))
		graphs.RefillMasks(b.Masks(), rand.New(rand.NewPCG(5, 5)))
		return b.Sum(b.Square(h))
	}, 0, 1e-5))
}

// TestDropoutOddLength: two entries share each draw, so the last entry of
// an odd-length mask must still be drawn (both values seen over seeds) and
// the entries must not simply copy each other.
func TestDropoutOddLength(t *testing.T) {
	b := graphs.NewBuilder()
	b.Training = true
	graphs.Dropout{P: 0.5}.Forward(b, b.Input("x", 3))
	mask := graphs.Value(b.Masks()[0].Node).Data().([]float32)
	seen := map[float32]int{}
	differ := 0
	for seed := range uint64(200) {
		graphs.RefillMasks(b.Masks(), rand.New(rand.NewPCG(seed, 1)))
		seen[mask[2]]++
		if mask[0] != mask[1] {
			differ++
		}
	}
	require.Len(t, seen, 2, "the odd entry takes both values")
	require.InDelta(t, 100, seen[0], 30)
	require.InDelta(t, 100, differ, 30, "entries sharing a draw are independent")
}
