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

func TestPixelNormValues(t *testing.T) {
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	x := b.Input("x", 2, 3, 2, 2)
	testutil.FillNormal(t, x, rand.New(rand.NewPCG(51, 52)), 2)
	in := append([]float64(nil), graphs.Value(x).Data().([]float64)...)
	got := run64(t, b, b.PixelNorm(x))[0]
	for n := range 2 {
		for p := range 4 {
			var ss float64
			for c := range 3 {
				v := in[(n*3+c)*4+p]
				ss += v * v
			}
			rms := math.Sqrt(ss/3 + 1e-8)
			for c := range 3 {
				i := (n*3+c)*4 + p
				require.InDelta(t, in[i]/rms, got[i], 1e-12, "image %d channel %d pixel %d", n, c, p)
			}
		}
	}
	b = graphs.NewBuilder()
	b.PixelNorm(b.Input("flat", 2, 3))
	require.ErrorContains(t, b.Err(), "(2, 3)")
}

func TestPixelNormGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	params := append(graphs.NewConv2d("c", 2, 3, 3, 1, 1, rng).Params(), graphs.NewLinear("fc", 3*4*4, 2, rng).Params()...).ToFloat64()
	conv := &graphs.Conv2d{Weight: params[0], Bias: params[1], Pad: 1}
	fc := &graphs.Linear{Weight: params[2], Bias: params[3]}
	require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		x := b.Input("x", 2, 2, 4, 4)
		testutil.FillNormal(t, x, rand.New(rand.NewPCG(55, 56)), 1)
		h := b.PixelNorm(conv.Forward(b, x))
		return b.Mean(b.Tanh(fc.Forward(b, b.Flatten(b.LeakyReLU(h, 0.2)))))
	}, 0, 1e-5))
}
