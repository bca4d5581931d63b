package graphs

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
)

func TestDropoutMask(t *testing.T) {
	b := NewBuilder()
	b.Training = true
	x := b.Input("x", 100, 100)
	y := Dropout{P: 0.3}.Forward(b, x)
	require.NoError(t, b.Err())
	require.NotSame(t, x, y)
	require.Len(t, b.Masks(), 1)

	RefillMasks(b.Masks(), rand.New(rand.NewPCG(1, 1)))
	first := append([]float32(nil), Value(b.Masks()[0].Node).Data().([]float32)...)
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

	RefillMasks(b.Masks(), rand.New(rand.NewPCG(1, 1)))
	require.Equal(t, first, Value(b.Masks()[0].Node).Data().([]float32), "same seed, same mask")
	RefillMasks(b.Masks(), rand.New(rand.NewPCG(2, 1)))
	require.NotEqual(t, first, Value(b.Masks()[0].Node).Data().([]float32))
}

func TestDropoutIdentityOutsideTraining(t *testing.T) {
	b := NewBuilder()
	x := b.Input("x", 2, 2)
	require.Same(t, x, Dropout{P: 0.5}.Forward(b, x))
	b.Training = true
	require.Same(t, x, Dropout{}.Forward(b, x))
	require.Empty(t, b.Masks())
}

func TestDropoutGradient(t *testing.T) {
	l := NewLinear("l", 4, 6, rand.New(rand.NewPCG(3, 3)))
	params := l.Params().ToFloat64()
	ll := &Linear{Weight: params[0], Bias: params[1]}
	require.NoError(t, GradCheck(params, func(b *Builder) *G.Node {
		b.Training = true
		x := b.Input("x", 5, 4)
		fillInput(t, x, rand.New(rand.NewPCG(4, 4)), 1)
		h := Dropout{P: 0.5}.Forward(b, b.Tanh(ll.Forward(b, x)))
		RefillMasks(b.Masks(), rand.New(rand.NewPCG(5, 5)))
		return b.Sum(b.Square(h))
	}, 0, 1e-5))
}

// TestDropoutOddLength: two entries share each draw, so the last entry of
// an odd-length mask must still be drawn (both values seen over seeds) and
// the entries must not simply copy each other.
func TestDropoutOddLength(t *testing.T) {
	b := NewBuilder()
	b.Training = true
	Dropout{P: 0.5}.Forward(b, b.Input("x", 3))
	mask := Value(b.Masks()[0].Node).Data().([]float32)
	seen := map[float32]int{}
	differ := 0
	for seed := range uint64(200) {
		RefillMasks(b.Masks(), rand.New(rand.NewPCG(seed, 1)))
		seen[mask[2]]++
		if mask[0] != mask[1] {
			differ++
		}
	}
	require.Len(t, seen, 2, "the odd entry takes both values")
	require.InDelta(t, 100, seen[0], 30)
	require.InDelta(t, 100, differ, 30, "entries sharing a draw are independent")
}
