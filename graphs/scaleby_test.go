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

func TestScaleByValuesAndGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	gamma, x := graphs.NewParam("gamma", 1), graphs.NewParam("x", 2, 3, 2, 2)
	graphs.Normal(gamma, 1, rng)
	graphs.Normal(x, 1, rng)
	params := graphs.Params{gamma, x}.ToFloat64()

	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	y := b.ScaleBy(b.Param(params[0]), b.Param(params[1]))
	require.NoError(t, b.Err())
	require.Equal(t, tensor.Shape{2, 3, 2, 2}, y.Shape())
	got := run64(t, b, y)[0]
	g := params[0].Value.Data().([]float64)[0]
	for i, v := range params[1].Value.Data().([]float64) {
		require.Equal(t, g*v, got[i])
	}

	require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		return b.Sum(b.Tanh(b.ScaleBy(b.Param(params[0]), b.Param(params[1]))))
	}, 0, 1e-6))

	b = graphs.NewBuilder()
	require.Nil(t, b.ScaleBy(b.Input("g", 2), b.Input("x", 2, 3)))
	require.ErrorContains(t, b.Err(), "shape [1], got (2)")
}

// TestKeptOutputsReusedAcrossRuns checks that the new ops compute every
// run's values into the memory of the first run, followed by a Reshape as
// attention does.
func TestKeptOutputsReusedAcrossRuns(t *testing.T) {
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	a, c, g := b.Input("a", 2, 3, 4), b.Input("c", 2, 4, 5), b.Input("g", 1)
	testutil.FillNormal(t, a, rand.New(rand.NewPCG(45, 46)), 1)
	testutil.FillNormal(t, c, rand.New(rand.NewPCG(47, 48)), 1)
	prod := b.BatchedMatMul(a, c, false, false)
	weights := b.Softmax(prod)
	scaled := b.ScaleBy(g, weights)
	loss := b.Sum(b.Reshape(scaled, 30))
	sum := b.Keep(loss)
	vm, err := b.Compile()
	require.NoError(t, err)

	var data []*float64
	for run, gv := range []float64{1, 2, 3} {
		graphs.Value(g).Data().([]float64)[0] = gv
		require.NoError(t, vm.Run())
		// Each of the 2·3 rows of weights sums to 1.
		require.InDelta(t, 6*gv, sum.Scalar(), 1e-12, "run %d", run)
		ptrs := []*float64{&graphs.Value(prod).Data().([]float64)[0], &graphs.Value(weights).Data().([]float64)[0], &graphs.Value(scaled).Data().([]float64)[0]}
		if data == nil {
			data = ptrs
		}
		require.Equal(t, data, ptrs, "run %d computed into new memory", run)
	}
}
