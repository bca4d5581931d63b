package attention

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

var configs = []struct {
	name string
	cfg  Config
}{
	{"paper", Config{}},
	{"pool", Config{Pool: true}},
	{"half values", Config{HalfValues: true}},
	{"official", Config{Pool: true, HalfValues: true}},
}

// setGamma sets γ in a float32 or float64 parameter.
func setGamma(p *graphs.Param, v float64) {
	switch d := p.Value.Data().(type) {
	case []float32:
		d[0] = float32(v)
	case []float64:
		d[0] = v
	}
}

// block64 returns a copy of a with float64 parameters (as GradCheck needs)
// and the copied parameters in a.Params() order.
func block64(a *Block) (*Block, graphs.Params) {
	ps := a.Params().ToFloat64()
	c := *a
	conv := func(i int, l *graphs.Conv2d) *graphs.Conv2d {
		return &graphs.Conv2d{Weight: ps[2*i], Bias: ps[2*i+1], Stride: l.Stride, Pad: l.Pad}
	}
	c.F, c.G, c.H = conv(0, a.F), conv(1, a.G), conv(2, a.H)
	if a.V != nil {
		c.V = conv(3, a.V)
	}
	c.Gamma = ps[len(ps)-1]
	return &c, ps
}

func tokens64(a *Tokens) (*Tokens, graphs.Params) {
	ps := a.Params().ToFloat64()
	c := *a
	lin := func(i int) *graphs.Linear { return &graphs.Linear{Weight: ps[2*i], Bias: ps[2*i+1]} }
	c.F, c.G, c.H = lin(0), lin(1), lin(2)
	if a.V != nil {
		c.V = lin(3)
	}
	c.Gamma = ps[len(ps)-1]
	return &c, ps
}

// TestGradients checks the symbolic gradients of every parameter of the
// block, and of a convolution before it (so the gradient must flow through
// x along both the residual and the attention path), against finite
// differences, with γ ≠ 0 so that the attention path has a gradient.
func TestGradients(t *testing.T) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			pre := graphs.NewConv2d("pre", 2, 16, 3, 1, 1, rng)
			attn, err := New("attn", 16, c.cfg, rng)
			require.NoError(t, err)
			setGamma(attn.Gamma, 0.7)
			pre64 := pre.Params().ToFloat64()
			a64, ps := block64(attn)
			conv := &graphs.Conv2d{Weight: pre64[0], Bias: pre64[1], Pad: 1}
			require.NoError(t, testutil.GradCheck(append(pre64, ps...), func(b *graphs.Builder) *G.Node {
				x := b.Input("x", 2, 2, 5, 4)
				testutil.FillNormal(t, x, rand.New(rand.NewPCG(3, 4)), 1)
				y := a64.Forward(b, b.Tanh(conv.Forward(b, x)))
				return b.Mean(b.Tanh(y))
			}, 12, 1e-6))
		})
	}
}

func TestTokenGradients(t *testing.T) {
	for _, half := range []bool{false, true} {
		t.Run(fmt.Sprintf("half values %v", half), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			pre := graphs.NewLinear("pre", 3, 16, rng)
			attn, err := NewTokens("attn", 16, Config{HalfValues: half}, rng)
			require.NoError(t, err)
			setGamma(attn.Gamma, 0.7)
			pre64 := pre.Params().ToFloat64()
			a64, ps := tokens64(attn)
			lin := &graphs.Linear{Weight: pre64[0], Bias: pre64[1]}
			require.NoError(t, testutil.GradCheck(append(pre64, ps...), func(b *graphs.Builder) *G.Node {
				x := b.Input("x", 2*5, 3)
				testutil.FillNormal(t, x, rand.New(rand.NewPCG(7, 8)), 1)
				h := b.Reshape(b.Tanh(lin.Forward(b, x)), 2, 5, 16)
				return b.Mean(b.Tanh(a64.Forward(b, h)))
			}, 12, 1e-6))
		})
	}
}

// run compiles b, runs it once and returns the kept values as float64s.
func run(t *testing.T, b *graphs.Builder, nodes ...*G.Node) [][]float64 {
	t.Helper()
	kept := make([]*graphs.Result, len(nodes))
	for i, n := range nodes {
		kept[i] = b.Keep(n)
	}
	vm, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, vm.Run())
	out := make([][]float64, len(nodes))
	for i, k := range kept {
		if d := k.Float64s(); d != nil {
			out[i] = d
			continue
		}
		for _, v := range k.Float32s() {
			out[i] = append(out[i], float64(v))
		}
	}
	return out
}

func TestGammaZeroIsIdentity(t *testing.T) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(9, 10))
			attn, err := New("attn", 24, c.cfg, rng)
			require.NoError(t, err)
			b := graphs.NewBuilder()
			x := b.Input("x", 3, 24, 6, 6)
			testutil.FillNormal(t, x, rng, 3)
			y := attn.Forward(b, x)
			out := run(t, b, y, x)
			require.Equal(t, out[1], out[0])
		})
	}
	t.Run("tokens", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		attn, err := NewTokens("attn", 20, Config{HalfValues: true}, rng)
		require.NoError(t, err)
		b := graphs.NewBuilder()
		x := b.Input("x", 3, 7, 20)
		testutil.FillNormal(t, x, rng, 3)
		out := run(t, b, attn.Forward(b, x), x)
		require.Equal(t, out[1], out[0])
	})
}

// TestAttentionRowsSumToOne feeds large activations (scores in the
// hundreds) in float32 and checks that every row of β is a distribution.
func TestAttentionRowsSumToOne(t *testing.T) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(13, 14))
			attn, err := New("attn", 32, c.cfg, rng)
			require.NoError(t, err)
			b := graphs.NewBuilder()
			x := b.Input("x", 2, 32, 6, 5)
			testutil.FillNormal(t, x, rng, 10)
			_, beta := attn.ForwardWeights(b, x)
			keys := 30
			if c.cfg.Pool {
				keys = 3 * 2
			}
			require.Equal(t, tensor.Shape{2, 30, keys}, beta.Shape())
			weights := run(t, b, beta)[0]
			var largest float64
			for r := 0; r < len(weights); r += keys {
				var sum float64
				for _, w := range weights[r : r+keys] {
					require.GreaterOrEqual(t, w, 0.0)
					sum += w
					largest = max(largest, w)
				}
				require.InDelta(t, 1, sum, 1e-5, "row %d", r/keys)
			}
			require.Greater(t, largest, 0.9, "scores this large should make some rows nearly one-hot")
		})
	}
}

// reference computes the block in plain float64 loops from its parameters:
// y [n, c, h, w] and β [n, h·w, keys].
func reference(a *Block, x []float64, n, h, w int) (y, beta []float64) {
	c := a.Channels
	data := func(p *graphs.Param) []float64 { return p.Value.Data().([]float64) }
	// conv1x1 applies a 1×1 convolution to a map [in, rows, cols].
	conv1x1 := func(l *graphs.Conv2d, m []float64, rows, cols int) []float64 {
		wt, bias := data(l.Weight), data(l.Bias)
		out, in := len(bias), len(wt)/len(bias)
		res := make([]float64, out*rows*cols)
		for o := range out {
			for p := range rows * cols {
				s := bias[o]
				for i := range in {
					s += wt[o*in+i] * m[i*rows*cols+p]
				}
				res[o*rows*cols+p] = s
			}
		}
		return res
	}
	kh, kw := h, w
	if a.Config.Pool {
		kh, kw = h/2, w/2
	}
	pool := func(m []float64, ch int) []float64 {
		if !a.Config.Pool {
			return m
		}
		res := make([]float64, ch*kh*kw)
		for k := range ch {
			for r := range kh {
				for col := range kw {
					best := math.Inf(-1)
					for i := range 2 {
						for j := range 2 {
							best = max(best, m[(k*h+2*r+i)*w+2*col+j])
						}
					}
					res[(k*kh+r)*kw+col] = best
				}
			}
		}
		return res
	}
	positions, keys := h*w, kh*kw
	qc, vc := len(data(a.F.Bias)), len(data(a.H.Bias))
	gamma := data(a.Gamma)[0]
	for img := range n {
		xi := x[img*c*positions : (img+1)*c*positions]
		f := conv1x1(a.F, xi, h, w)
		g := pool(conv1x1(a.G, xi, h, w), qc)
		v := pool(conv1x1(a.H, xi, h, w), vc)
		bt := make([]float64, positions*keys)
		for i := range positions {
			row := bt[i*keys : (i+1)*keys]
			for j := range keys {
				for k := range qc {
					row[j] += f[k*positions+i] * g[k*keys+j]
				}
			}
			m := math.Inf(-1)
			for _, s := range row {
				m = max(m, s)
			}
			var sum float64
			for j, s := range row {
				row[j] = math.Exp(s - m)
				sum += row[j]
			}
			for j := range row {
				row[j] /= sum
			}
		}
		o := make([]float64, vc*positions)
		for k := range vc {
			for i := range positions {
				for j := range keys {
					o[k*positions+i] += v[k*keys+j] * bt[i*keys+j]
				}
			}
		}
		if a.V != nil {
			o = conv1x1(a.V, o, h, w)
		}
		for i, v := range o {
			y = append(y, gamma*v+xi[i])
		}
		beta = append(beta, bt...)
	}
	return y, beta
}

func TestMatchesReference(t *testing.T) {
	for _, c := range configs {
		for _, size := range []struct{ c, h, w int }{{16, 4, 6}, {12, 5, 3}} {
			t.Run(fmt.Sprintf("%s %v", c.name, size), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(15, 16))
				attn, err := New("attn", size.c, c.cfg, rng)
				require.NoError(t, err)
				setGamma(attn.Gamma, 0.7)
				a64, _ := block64(attn)
				b := graphs.NewBuilder()
				b.Dtype = tensor.Float64
				x := b.Input("x", 2, size.c, size.h, size.w)
				testutil.FillNormal(t, x, rng, 2)
				y, beta := a64.ForwardWeights(b, x)
				out := run(t, b, y, beta)
				wantY, wantBeta := reference(a64, graphs.Value(x).Data().([]float64), 2, size.h, size.w)
				require.InDeltaSlice(t, wantBeta, out[1], 1e-12)
				require.InDeltaSlice(t, wantY, out[0], 1e-12)
			})
		}
	}
}

// TestTokensMatchMaps checks the token form against the map form: with
// the same weights, tokens [batch, positions, C] give the map form's
// output transposed (a 1×1 convolution is a Linear layer at every
// position).
func TestTokensMatchMaps(t *testing.T) {
	for _, half := range []bool{false, true} {
		t.Run(fmt.Sprintf("half values %v", half), func(t *testing.T) {
			const n, c, h, w = 2, 16, 3, 4
			rng := rand.New(rand.NewPCG(17, 18))
			maps, err := New("attn", c, Config{HalfValues: half}, rng)
			require.NoError(t, err)
			setGamma(maps.Gamma, 0.7)
			m64, ps := block64(maps)
			tok, err := NewTokens("attn", c, Config{HalfValues: half}, rng)
			require.NoError(t, err)
			t64, tps := tokens64(tok)
			for i, p := range ps { // a [out, in, 1, 1] weight is a [out, in] one
				copy(tps[i].Value.Data().([]float64), p.Value.Data().([]float64))
			}
			b := graphs.NewBuilder()
			b.Dtype = tensor.Float64
			x := b.Input("x", n, c, h, w)
			testutil.FillNormal(t, x, rng, 2)
			xt := b.Input("xt", n, h*w, c)
			xd, xtd := graphs.Value(x).Data().([]float64), graphs.Value(xt).Data().([]float64)
			for img := range n {
				for k := range c {
					for p := range h * w {
						xtd[(img*h*w+p)*c+k] = xd[(img*c+k)*h*w+p]
					}
				}
			}
			ym, bm := m64.ForwardWeights(b, x)
			yt, bt := t64.ForwardWeights(b, xt)
			out := run(t, b, ym, bm, yt, bt)
			require.InDeltaSlice(t, out[1], out[3], 1e-12)
			for img := range n {
				for k := range c {
					for p := range h * w {
						require.InDelta(t, out[0][(img*c+k)*h*w+p], out[2][(img*h*w+p)*c+k], 1e-12)
					}
				}
			}
		})
	}
}

func TestShapesAndNames(t *testing.T) {
	cases := []struct {
		batch, c, h, w int
		cfg            Config
		query, values  int
		keys           int
	}{
		{1, 1, 3, 3, Config{}, 1, 1, 9},
		{2, 3, 2, 5, Config{HalfValues: true}, 1, 1, 10},
		{4, 7, 4, 4, Config{Pool: true}, 1, 7, 4},
		{2, 8, 5, 5, Config{Pool: true, HalfValues: true}, 1, 4, 4},
		{3, 32, 14, 14, Config{}, 4, 32, 196},
		{1, 64, 8, 6, Config{Pool: true, HalfValues: true}, 8, 32, 12},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%+v", tc), func(t *testing.T) {
			attn, err := New("disc.attn", tc.c, tc.cfg, rand.New(rand.NewPCG(19, 20)))
			require.NoError(t, err)
			want := map[string][]int{
				"disc.attn.f.weight": {tc.query, tc.c, 1, 1}, "disc.attn.f.bias": {tc.query},
				"disc.attn.g.weight": {tc.query, tc.c, 1, 1}, "disc.attn.g.bias": {tc.query},
				"disc.attn.h.weight": {tc.values, tc.c, 1, 1}, "disc.attn.h.bias": {tc.values},
				"disc.attn.gamma": {1},
			}
			names := []string{"disc.attn.f.weight", "disc.attn.f.bias", "disc.attn.g.weight", "disc.attn.g.bias", "disc.attn.h.weight", "disc.attn.h.bias"}
			if tc.cfg.HalfValues {
				want["disc.attn.v.weight"], want["disc.attn.v.bias"] = []int{tc.c, tc.values, 1, 1}, []int{tc.c}
				names = append(names, "disc.attn.v.weight", "disc.attn.v.bias")
			}
			names = append(names, "disc.attn.gamma")
			ps := attn.Params()
			require.NoError(t, ps.Validate())
			require.Equal(t, want, ps.Shapes())
			got := testutil.Names(ps)
			require.Equal(t, names, got)
			require.Len(t, attn.Layers(), len(names)/2)
			require.Equal(t, float32(0), attn.Gamma.Float32s()[0])

			b := graphs.NewBuilder()
			x := b.Input("x", tc.batch, tc.c, tc.h, tc.w)
			y, beta := attn.ForwardWeights(b, x)
			require.NoError(t, b.Err())
			require.Equal(t, x.Shape(), y.Shape())
			require.Equal(t, tensor.Shape{tc.batch, tc.h * tc.w, tc.keys}, beta.Shape())
		})
	}

	tok, err := NewTokens("gen.attn", 12, Config{HalfValues: true}, rand.New(rand.NewPCG(21, 22)))
	require.NoError(t, err)
	require.Equal(t, map[string][]int{
		"gen.attn.f.weight": {1, 12}, "gen.attn.f.bias": {1},
		"gen.attn.g.weight": {1, 12}, "gen.attn.g.bias": {1},
		"gen.attn.h.weight": {6, 12}, "gen.attn.h.bias": {6},
		"gen.attn.v.weight": {12, 6}, "gen.attn.v.bias": {12},
		"gen.attn.gamma": {1},
	}, tok.Params().Shapes())
	require.Len(t, tok.Layers(), 4)
	b := graphs.NewBuilder()
	x := b.Input("x", 5, 9, 12)
	y, beta := tok.ForwardWeights(b, x)
	require.NoError(t, b.Err())
	require.Equal(t, x.Shape(), y.Shape())
	require.Equal(t, tensor.Shape{5, 9, 9}, beta.Shape())
}

func TestErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	maps, err := New("attn", 16, Config{Pool: true}, rng)
	require.NoError(t, err)
	tok, err := NewTokens("attn", 16, Config{}, rng)
	require.NoError(t, err)
	cases := []struct {
		name  string
		shape []int
		op    func(b *graphs.Builder, x *G.Node) *G.Node
		want  string
	}{
		{"3-D input to maps", []int{2, 16, 25}, maps.Forward, "want maps [batch, 16, h, w], got (2, 16, 25)"},
		{"wrong channels", []int{2, 8, 4, 4}, maps.Forward, "got (2, 8, 4, 4)"},
		{"map too small to pool", []int{2, 16, 1, 6}, maps.Forward, "at least 2×2, got (2, 16, 1, 6)"},
		{"maps to tokens", []int{2, 16, 4, 4}, tok.Forward, "want tokens [batch, tokens, 16], got (2, 16, 4, 4)"},
		{"wrong token size", []int{2, 5, 8}, tok.Forward, "got (2, 5, 8)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := graphs.NewBuilder()
			require.Nil(t, tc.op(b, b.Input("x", tc.shape...)))
			require.ErrorContains(t, b.Err(), tc.want)
		})
	}

	t.Run("earlier failure", func(t *testing.T) {
		b := graphs.NewBuilder()
		require.Nil(t, maps.Forward(b, b.Reshape(b.Input("x", 2, 3), 7)))
		require.ErrorContains(t, b.Err(), "reshape")
	})
	_, err = New("attn", 0, Config{}, rng)
	require.ErrorContains(t, err, "at least 1 channel")
	_, err = NewTokens("attn", 0, Config{}, rng)
	require.ErrorContains(t, err, "at least 1 feature")
	_, err = NewTokens("attn", 8, Config{Pool: true}, rng)
	require.ErrorContains(t, err, "pooling needs 2-D maps")
}
