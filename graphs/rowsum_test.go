package graphs_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestRowSumValues compares Sum(x, 1) of a matrix, which runs through
// rowSumOp, with Gorgonia's own sum in both dtypes, over two runs (the
// kept buffer must be rewritten, not accumulated).
func TestRowSumValues(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			b := graphs.NewBuilder()
			b.Dtype = dt
			x := b.Input("x", 5, 7)
			sum := b.Sum(x, 1)
			require.Equal(t, "RowSum", sum.Op().String())
			require.Equal(t, []int{5}, []int(sum.Shape()))
			ours, theirs := b.Keep(sum), b.Keep(G.Must(G.Sum(x, 1)))
			vm, err := b.Compile()
			require.NoError(t, err)
			rng := rand.New(rand.NewPCG(5, 7))
			for range 2 {
				testutil.FillNormal(t, x, rng, 3)
				require.NoError(t, vm.Run())
				require.InDeltaSlice(t, floats64(theirs), floats64(ours), 1e-5)
			}
		})
	}
}

// TestRowSumGradCheck checks the row sum's gradient against finite
// differences, each row's sum weighted differently so that a gradient
// spread to the wrong row would show.
func TestRowSumGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	params := graphs.NewLinear("fc", 4, 6, rng).Params().ToFloat64()
	fc := &graphs.Linear{Weight: params[0], Bias: params[1]}
	require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		x, w := b.Input("x", 3, 4), b.Input("w", 3)
		testutil.FillNormal(t, x, rand.New(rand.NewPCG(13, 14)), 2)
		testutil.FillNormal(t, w, rand.New(rand.NewPCG(15, 16)), 1)
		return b.Sum(b.Mul(b.Sum(b.Tanh(fc.Forward(b, x)), 1), w))
	}, 0, 1e-6))
}

// floats64 reads a kept result of either dtype as float64s.
func floats64(r *graphs.Result) []float64 {
	if f := r.Float64s(); f != nil {
		return f
	}
	var out []float64
	for _, v := range r.Float32s() {
		out = append(out, float64(v))
	}
	return out
}
