package graphs_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestSoftmaxValuesAndGradient(t *testing.T) {
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	x := b.Input("x", 2, 2, 3)
	rows := [][]float64{{1, 2, 3}, {-1000, 0, 1000}, {800, 800, 800}, {1e-3, 0, -1e-3}}
	for i, r := range rows {
		copy(graphs.Value(x).Data().([]float64)[3*i:], r)
	}
	y := b.Softmax(x)
	require.NoError(t, b.Err())
	require.Equal(t, tensor.Shape{2, 2, 3}, y.Shape())
	got := run64(t, b, y)[0]
	for i, r := range rows {
		m := math.Max(r[0], math.Max(r[1], r[2]))
		var s float64
		for _, v := range r {
			s += math.Exp(v - m)
		}
		for j, v := range r {
			require.InDelta(t, math.Exp(v-m)/s, got[3*i+j], 1e-15, "row %d col %d", i, j)
		}
	}

	rng := rand.New(rand.NewPCG(41, 42))
	px := graphs.NewParam("x", 2, 3, 4)
	graphs.Normal(px, 2, rng)
	weights := graphs.NewParam("w", 2, 3, 4) // a weighted sum: Σ softmax alone is constant
	graphs.Normal(weights, 1, rng)
	params := graphs.Params{px, weights}.ToFloat64()
	require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		return b.Sum(b.Mul(b.Softmax(b.Param(params[0])), b.Param(params[1])))
	}, 0, 1e-6))

	b = graphs.NewBuilder()
	require.Nil(t, b.Softmax(b.Input("x", 2, 0)))
	require.ErrorContains(t, b.Err(), "(2, 0)")
}
