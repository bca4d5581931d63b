package graphs_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
)

// topSingularValue returns the largest singular value of w seen as a
// matrix [out, rest], by a full SVD.
func topSingularValue(t *testing.T, w []float64, out int) float64 {
	t.Helper()
	var svd mat.SVD
	require.True(t, svd.Factorize(mat.NewDense(out, len(w)/out, w), mat.SVDNone))
	return svd.Values(nil)[0]
}

func float64s(p *graphs.Param) []float64 {
	if d, ok := p.Value.Data().([]float64); ok {
		return d
	}
	var d []float64
	for _, v := range p.Float32s() {
		d = append(d, float64(v))
	}
	return d
}

func TestSpectralNormPowerIterationFindsTopSingularValue(t *testing.T) {
	cases := []struct {
		name  string
		shape []int
	}{
		{"linear 5x7", []int{5, 7}},
		{"linear 9x3", []int{9, 3}},
		{"conv 4x3x3x3", []int{4, 3, 3, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(41, 42))
			w := graphs.NewParam("layer.weight", c.shape...)
			graphs.FillNormal(w.Float32s(), rng)
			sn := graphs.NewSpectralNorm(w, rng)
			require.Equal(t, "layer.weight_u", sn.U.Name)
			require.Equal(t, "layer.weight_v", sn.V.Name)
			require.True(t, sn.U.Buffer && sn.V.Buffer && !w.Buffer)
			want := topSingularValue(t, float64s(w), c.shape[0])
			first := sn.Sigma()
			require.Less(t, first, want*(1+1e-5), "uᵀWv with unit u, v cannot exceed σ_max")
			for range 200 {
				sn.Iterate()
			}
			require.InDelta(t, want, sn.Sigma(), want*1e-4)
		})
	}
}

func TestSpectralNormalisedWeightHasUnitNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	conv := graphs.NewConv2d("c", 3, 4, 3, 1, 1, rng)
	conv.SN = graphs.NewSpectralNorm(conv.Weight, rng)
	for range 200 {
		conv.SN.Iterate()
	}
	b := graphs.NewBuilder()
	w := b.Weight(conv.Weight, conv.SN)
	require.Same(t, w, b.Weight(conv.Weight, conv.SN), "a layer applied twice shares one normalised weight")
	kept := b.Keep(w)
	vm, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, vm.Run())
	var got []float64
	for _, v := range kept.Float32s() {
		got = append(got, float64(v))
	}
	require.InDelta(t, 1, topSingularValue(t, got, 4), 1e-4)
	require.Equal(t, graphs.Params{conv.Weight, conv.Bias}, conv.Params().Trainable())
	require.Len(t, conv.Params(), 4)
}

func TestSpectralNormGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	conv := graphs.NewConv2d("c", 2, 3, 3, 2, 1, rng)
	conv.SN = graphs.NewSpectralNorm(conv.Weight, rng)
	fc := graphs.NewLinear("fc", 3*4*4, 2, rng)
	fc.SN = graphs.NewSpectralNorm(fc.Weight, rng)
	all := append(conv.Params(), fc.Params()...).ToFloat64()
	c := &graphs.Conv2d{Weight: all[0], Bias: all[1], Stride: 2, Pad: 1}
	c.SN = &graphs.SpectralNorm{Weight: all[0], U: all[2], V: all[3]}
	l := &graphs.Linear{Weight: all[4], Bias: all[5]}
	l.SN = &graphs.SpectralNorm{Weight: all[4], U: all[6], V: all[7]}
	// u and v are constants of the graph, so only the weights and biases
	// are differentiated; the power iteration runs between steps.
	trainable := all.Trainable()
	require.Len(t, trainable, 4)
	require.NoError(t, testutil.GradCheck(trainable, func(b *graphs.Builder) *G.Node {
		x := b.Input("x", 2, 2, 8, 8)
		testutil.FillNormal(t, x, rand.New(rand.NewPCG(47, 48)), 1)
		h := b.LeakyReLU(c.Forward(b, x), 0.2)
		// The discriminator applies its layers to two batches: both must
		// share the normalised weight and its gradient.
		y := b.Tanh(l.Forward(b, b.Flatten(h)))
		y2 := b.Tanh(l.Forward(b, b.Scale(b.Flatten(h), 0.5)))
		return b.Add(b.Mean(y), b.Mean(b.Square(y2)))
	}, 0, 1e-5))
}

func TestSpectralNormOfZeroWeightIsFinite(t *testing.T) {
	w := graphs.NewParam("z.weight", 3, 4)
	sn := graphs.NewSpectralNorm(w, rand.New(rand.NewPCG(1, 1)))
	sn.Iterate()
	for _, v := range append(sn.U.Float32s(), sn.V.Float32s()...) {
		require.False(t, math.IsNaN(float64(v)))
	}
}

func TestSpectralNormGraphLeavesBuffersAlone(t *testing.T) {
	rng := rand.New(rand.NewPCG(49, 50))
	w := graphs.NewParam("w", 3, 4)
	graphs.FillNormal(w.Float32s(), rng)
	sn := graphs.NewSpectralNorm(w, rng)
	u, v := append([]float32(nil), sn.U.Float32s()...), append([]float32(nil), sn.V.Float32s()...)
	b := graphs.NewBuilder()
	kept := b.Keep(b.Weight(w, sn))
	vm, err := b.Compile()
	require.NoError(t, err)
	for range 3 {
		require.NoError(t, vm.Run())
		require.Equal(t, u, sn.U.Float32s())
		require.Equal(t, v, sn.V.Float32s())
		require.InDelta(t, w.Float32s()[0]/float32(sn.Sigma()), kept.Float32s()[0], 1e-6)
	}
}
