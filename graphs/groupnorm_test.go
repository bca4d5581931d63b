package graphs_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// groupNormRef is nn.GroupNorm written from its definition, in float64:
// per image and group of c/groups channels, (x − mean)/√(var + 1e-5) with
// the biased variance, then γ and β per channel.
func groupNormRef(x []float64, n, c, hw, groups int, gamma, beta []float64) []float64 {
	y := make([]float64, len(x))
	cg := c / groups
	for i := range n {
		for g := range groups {
			var vals []float64
			for ch := g * cg; ch < (g+1)*cg; ch++ {
				vals = append(vals, x[(i*c+ch)*hw:(i*c+ch+1)*hw]...)
			}
			var mean, variance float64
			for _, v := range vals {
				mean += v
			}
			mean /= float64(len(vals))
			for _, v := range vals {
				variance += (v - mean) * (v - mean)
			}
			variance /= float64(len(vals))
			for ch := g * cg; ch < (g+1)*cg; ch++ {
				for p := range hw {
					j := (i*c+ch)*hw + p
					y[j] = (x[j]-mean)/math.Sqrt(variance+1e-5)*gamma[ch] + beta[ch]
				}
			}
		}
	}
	return y
}

func randomFloats(rng *rand.Rand, n int, scale, shift float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = rng.NormFloat64()*scale + shift
	}
	return xs
}

// param64 returns a float64 parameter holding xs.
func param64(name string, xs []float64, shape ...int) *graphs.Param {
	return &graphs.Param{Name: name, Value: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), xs...)))}
}

func TestGroupNormValues(t *testing.T) {
	for _, tc := range []struct{ n, c, h, w, groups int }{
		{2, 6, 3, 2, 3},
		{1, 4, 2, 2, 1}, // one group: LayerNorm over the channels and pixels
		{3, 4, 1, 3, 4}, // one channel per group: InstanceNorm
		{2, 8, 1, 1, 2}, // 1×1 maps
	} {
		t.Run(fmt.Sprintf("%v", tc), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(81, uint64(tc.c)))
			// A large shift shows a one-pass variance's cancellation.
			xs := randomFloats(rng, tc.n*tc.c*tc.h*tc.w, 2, 1000)
			gamma, beta := randomFloats(rng, tc.c, 1, 1), randomFloats(rng, tc.c, 1, 0)
			b := graphs.NewBuilder()
			b.Dtype = tensor.Float64
			x := b.Input("x", tc.n, tc.c, tc.h, tc.w)
			setInput(x, xs)
			norm := &graphs.GroupNorm{Groups: tc.groups, Gamma: param64("gn.weight", gamma, tc.c), Beta: param64("gn.bias", beta, tc.c)}
			got := run64(t, b, norm.Forward(b, x))[0]
			want := groupNormRef(xs, tc.n, tc.c, tc.h*tc.w, tc.groups, gamma, beta)
			for i := range want {
				require.InDelta(t, want[i], got[i], 1e-9, "y[%d]", i)
			}
		})
	}
}

func TestGroupNormLayer(t *testing.T) {
	n := graphs.NewGroupNorm("down.0.norm1", 2, 6)
	require.Equal(t, []string{"down.0.norm1.weight", "down.0.norm1.bias"}, []string{n.Params()[0].Name, n.Params()[1].Name})
	require.Equal(t, []float32{1, 1, 1, 1, 1, 1}, n.Gamma.Float32s())
	require.Equal(t, []float32{0, 0, 0, 0, 0, 0}, n.Beta.Float32s())
	require.Equal(t, 2, n.Groups)

	for _, tc := range []struct {
		name   string
		shape  []int
		groups int
		want   string
	}{
		{"channels not a multiple", []int{2, 6, 2, 2}, 4, "4 groups need maps [batch, c, h, w] with c a multiple of 4, got (2, 6, 2, 2)"},
		{"not maps", []int{2, 6}, 2, "got (2, 6)"},
		{"no groups", []int{2, 6, 2, 2}, 0, "0 groups"},
		{"γ of another width", []int{2, 4, 2, 2}, 2, "γ (6) and β (6) must be [4]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := graphs.NewBuilder()
			norm := graphs.NewGroupNorm("gn", tc.groups, 6)
			require.Nil(t, norm.Forward(b, b.Input("x", tc.shape...)))
			require.ErrorContains(t, b.Err(), tc.want)
		})
	}
}

// TestGroupNormGradient checks the gradients of x (through a convolution
// before the norm), γ and β, with a tanh and a weighted sum after it so
// that every output has its own upstream gradient.
func TestGroupNormGradient(t *testing.T) {
	for _, groups := range []int{1, 2, 6} {
		t.Run(fmt.Sprint(groups), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(83, 84))
			conv := graphs.NewConv2d("c", 2, 6, 3, 1, 1, rng)
			norm := graphs.NewGroupNorm("gn", groups, 6)
			graphs.Normal(norm.Gamma, 1, rng)
			graphs.Normal(norm.Beta, 1, rng)
			params := append(conv.Params(), norm.Params()...).ToFloat64()
			conv64 := &graphs.Conv2d{Weight: params[0], Bias: params[1], Pad: 1}
			norm64 := &graphs.GroupNorm{Groups: groups, Gamma: params[2], Beta: params[3]}
			require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
				x, w := b.Input("x", 3, 2, 3, 4), b.Input("w", 3, 6, 3, 4)
				testutil.FillNormal(t, x, rand.New(rand.NewPCG(85, 86)), 1)
				testutil.FillNormal(t, w, rand.New(rand.NewPCG(87, 88)), 1)
				return b.Sum(b.Mul(b.Tanh(norm64.Forward(b, conv64.Forward(b, x))), w))
			}, 0, 1e-6))
		})
	}
}

// TestGroupNormFloat32AndLargeMaps runs GroupNorm on maps big enough to be
// split over the cores, in float32, against the float64 definition, and
// its gradients against the float64 graph's.
func TestGroupNormFloat32AndLargeMaps(t *testing.T) {
	const n, c, h, w, groups = 9, 16, 16, 16, 4 // 36 864 values: two pieces
	rng := rand.New(rand.NewPCG(89, 90))
	xs, ws := randomFloats(rng, n*c*h*w, 3, 0.5), randomFloats(rng, n*c*h*w, 1, 0)
	gamma, beta := randomFloats(rng, c, 1, 1), randomFloats(rng, c, 1, 0)
	run := func(dt tensor.Dtype) (y []float64, grads [][]float64) {
		b := graphs.NewBuilder()
		b.Dtype = dt
		ps := graphs.Params{param64("x", xs, n, c, h, w), param64("gn.weight", gamma, c), param64("gn.bias", beta, c)}
		if dt == tensor.Float32 {
			ps = toFloat32(ps)
		}
		wt := b.Input("w", n, c, h, w)
		setInput(wt, ws)
		out := b.GroupNorm(b.Param(ps[0]), b.Param(ps[1]), b.Param(ps[2]), groups)
		g := b.Grad(b.Sum(b.Mul(out, wt)), ps)
		vm, err := b.Compile()
		require.NoError(t, err)
		require.NoError(t, vm.Run())
		for _, gi := range g {
			grads = append(grads, valuesOf(t, graphs.Value(gi)))
		}
		return valuesOf(t, graphs.Value(out)), grads
	}
	y32, g32 := run(tensor.Float32)
	y64, g64 := run(tensor.Float64)
	want := groupNormRef(xs, n, c, h*w, groups, gamma, beta)
	for i := range want {
		require.InDelta(t, want[i], y64[i], 1e-12, "y64[%d]", i)
		require.InDelta(t, want[i], y32[i], 1e-5*math.Max(1, math.Abs(want[i])), "y32[%d]", i)
	}
	for k, name := range []string{"x", "γ", "β"} {
		for i, want := range g64[k] {
			require.InDelta(t, want, g32[k][i], 1e-4*math.Max(1, math.Abs(want)), "d%s[%d]", name, i)
		}
	}
	// dβ is the channel sums of the upstream gradient w.
	for ch := range c {
		var s float64
		for i := range n {
			for _, v := range ws[(i*c+ch)*h*w : (i*c+ch+1)*h*w] {
				s += v
			}
		}
		require.InDelta(t, s, g64[2][ch], 1e-9, "dβ[%d]", ch)
	}
}

// toFloat32 returns float32 copies of float64 parameters.
func toFloat32(ps graphs.Params) graphs.Params {
	out := make(graphs.Params, len(ps))
	for i, p := range ps {
		q := graphs.NewParam(p.Name, p.Shape()...)
		for j, v := range p.Value.Data().([]float64) {
			q.Float32s()[j] = float32(v)
		}
		out[i] = q
	}
	return out
}
