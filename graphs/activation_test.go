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

// activation is one Builder activation and its definition.
type activation struct {
	name  string
	apply func(b *graphs.Builder, x *G.Node) *G.Node
	ref   func(x float64) float64
}

var activations = []activation{
	{"relu", (*graphs.Builder).ReLU, func(x float64) float64 { return math.Max(x, 0) }},
	{"leaky 0.2", func(b *graphs.Builder, x *G.Node) *G.Node { return b.LeakyReLU(x, 0.2) }, func(x float64) float64 {
		if x < 0 {
			return 0.2 * x
		}
		return x
	}},
	{"tanh", (*graphs.Builder).Tanh, math.Tanh},
	{"sigmoid", (*graphs.Builder).Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
	{"silu", (*graphs.Builder).SiLU, func(x float64) float64 {
		if math.IsInf(x, -1) {
			return 0 // the limit, where x·σ(x) would be −∞·0
		}
		return x / (1 + math.Exp(-x))
	}},
}

// activationInputs mixes extremes (where a naive exp overflows) with
// small and ordinary values.
func activationInputs(n int, rng *rand.Rand) []float64 {
	xs := []float64{0, -1000, 1000, -89, 89, -50, 50, -20, 20, 1e-7, -1e-7, 1e-3, -1e-3, math.Inf(1), math.Inf(-1)}
	for len(xs) < n {
		xs = append(xs, rng.NormFloat64()*3)
	}
	return xs[:n]
}

func TestActivationValues(t *testing.T) {
	// 3·2¹⁴+7 elements: split into uneven pieces over the cores.
	for _, size := range []int{15, 40, 3<<14 + 7} {
		xs := activationInputs(size, rand.New(rand.NewPCG(61, 62)))
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			for _, a := range activations {
				t.Run(fmt.Sprintf("%s/%v/%d", a.name, dt, size), func(t *testing.T) {
					b := graphs.NewBuilder()
					b.Dtype = dt
					x := b.Input("x", 1, size)
					setInput(x, xs)
					y := a.apply(b, x)
					vm, err := b.Compile()
					require.NoError(t, err)
					require.NoError(t, vm.Run())
					got := valuesOf(t, graphs.Value(y))
					tol := 1e-15
					if dt == tensor.Float32 {
						tol = 1e-7
					}
					for i, v := range xs {
						want := a.ref(v)
						if dt == tensor.Float32 {
							want = a.ref(float64(float32(v)))
						}
						require.False(t, math.IsNaN(got[i]), "f(%v) is NaN", v)
						require.InDelta(t, want, got[i], tol*math.Max(1, math.Abs(want)), "f(%v)", v)
					}
				})
			}
		}
	}
}

func setInput(n *G.Node, xs []float64) {
	switch d := graphs.Value(n).Data().(type) {
	case []float64:
		copy(d, xs)
	case []float32:
		for i, v := range xs {
			d[i] = float32(v)
		}
	}
}

func valuesOf(t *testing.T, d *tensor.Dense) []float64 {
	t.Helper()
	switch v := d.Data().(type) {
	case []float64:
		return append([]float64(nil), v...)
	case []float32:
		out := make([]float64, len(v))
		for i, f := range v {
			out[i] = float64(f)
		}
		return out
	}
	require.Failf(t, "no float data", "dtype %v", d.Dtype())
	return nil
}

// TestActivationGradients checks each activation through a Linear layer
// before it and a weighted sum after it (so that every output has its own
// upstream gradient), and twice in a row, so the second one's backward
// pass feeds the first's.
func TestActivationGradients(t *testing.T) {
	for _, a := range activations {
		t.Run(a.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(63, 64))
			params := append(graphs.NewLinear("fc", 5, 6, rng).Params(), graphs.NewLinear("fc2", 6, 4, rng).Params()...).ToFloat64()
			fc, fc2 := &graphs.Linear{Weight: params[0], Bias: params[1]}, &graphs.Linear{Weight: params[2], Bias: params[3]}
			require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
				x, w := b.Input("x", 3, 5), b.Input("w", 3, 4)
				testutil.FillNormal(t, x, rand.New(rand.NewPCG(65, 66)), 2)
				testutil.FillNormal(t, w, rand.New(rand.NewPCG(67, 68)), 1)
				h := a.apply(b, fc2.Forward(b, a.apply(b, fc.Forward(b, x))))
				return b.Sum(b.Mul(h, w))
			}, 0, 1e-6))
		})
	}
}

// TestActivationGradientsFloat32 compares a float32 graph's gradients
// with the float64 graph's.
func TestActivationGradientsFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(69, 70))
	p32 := graphs.NewLinear("fc", 8, 40, rng).Params()
	p64 := p32.ToFloat64()
	var xs, ws []float64
	for range 16 * 8 {
		xs = append(xs, rng.NormFloat64())
	}
	for range 16 * 40 {
		ws = append(ws, rng.NormFloat64())
	}
	grads := func(ps graphs.Params, dt tensor.Dtype) [][]float64 {
		b := graphs.NewBuilder()
		b.Dtype = dt
		x, w := b.Input("x", 16, 8), b.Input("w", 16, 40)
		setInput(x, xs)
		setInput(w, ws)
		l := &graphs.Linear{Weight: ps[0], Bias: ps[1]}
		h := l.Forward(b, x)
		r := b.Mul(b.Sigmoid(h), b.Tanh(b.LeakyReLU(b.ReLU(h), 0.1)))
		g := b.Grad(b.Sum(b.Mul(r, w)), ps)
		vm, err := b.Compile()
		require.NoError(t, err)
		require.NoError(t, vm.Run())
		return [][]float64{valuesOf(t, graphs.Value(g[0])), valuesOf(t, graphs.Value(g[1]))}
	}
	g32, g64 := grads(p32, tensor.Float32), grads(p64, tensor.Float64)
	for k := range g64 {
		for i, want := range g64[k] {
			require.InDelta(t, want, g32[k][i], 1e-4*math.Max(1, math.Abs(want)), "gradient %d[%d]", k, i)
		}
	}
}

// TestActivationsOfOneNodeStayApart: identical op+input nodes are merged
// by hash, so two slopes (or ReLU and a leaky ReLU of slope 0) of one node
// must hash apart where they compute different things.
func TestActivationsOfOneNodeStayApart(t *testing.T) {
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	x := b.Input("x", 1, 4)
	setInput(x, []float64{-1, -2, 3, -4})
	got := run64(t, b, b.LeakyReLU(x, 0.1), b.LeakyReLU(x, 0.2), b.ReLU(x), b.Tanh(x), b.Sigmoid(x))
	require.Equal(t, []float64{-0.1, -0.2, 3, -0.4}, got[0])
	require.Equal(t, []float64{-0.2, -0.4, 3, -0.8}, got[1])
	require.Equal(t, []float64{0, 0, 3, 0}, got[2])
	require.InDelta(t, math.Tanh(-1), got[3][0], 1e-15)
	require.InDelta(t, 1/(1+math.E), got[4][0], 1e-15)

	b = graphs.NewBuilder()
	require.Nil(t, b.LeakyReLU(b.Input("x", 2), -0.1))
	require.ErrorContains(t, b.Err(), "negative")
}

// TestPixelNormFloat32AndLargeMaps runs PixelNorm on a map big enough to
// be split over the cores, in float32, against the float64 definition,
// and its gradient against the float64 graph's.
func TestPixelNormFloat32AndLargeMaps(t *testing.T) {
	const n, c, h, w = 9, 16, 12, 12
	rng := rand.New(rand.NewPCG(71, 72))
	xs, ws := make([]float64, n*c*h*w), make([]float64, n*c*h*w)
	for i := range xs {
		xs[i], ws[i] = rng.NormFloat64()*3, rng.NormFloat64()
	}
	xs[0], xs[h*w] = 0, 0 // channels 0 and 1 of pixel 0 …
	run := func(dt tensor.Dtype) (y, dx []float64) {
		b := graphs.NewBuilder()
		b.Dtype = dt
		x := b.Param(&graphs.Param{Name: "x", Value: tensor.New(tensor.WithShape(n, c, h, w), tensor.Of(dt))})
		setInput(x, xs)
		wt := b.Input("w", n, c, h, w)
		setInput(wt, ws)
		out := b.PixelNorm(x)
		g, err := G.Grad(b.Sum(b.Mul(out, wt)), x)
		require.NoError(t, err)
		vm, err := b.Compile()
		require.NoError(t, err)
		require.NoError(t, vm.Run())
		return valuesOf(t, graphs.Value(out)), valuesOf(t, graphs.Value(g[0]))
	}
	y32, dx32 := run(tensor.Float32)
	y64, dx64 := run(tensor.Float64)
	for i := range n * h * w {
		img, p := i/(h*w), i%(h*w)
		var ss float64
		for ch := range c {
			v := float64(float32(xs[(img*c+ch)*h*w+p]))
			ss += v * v
		}
		r := math.Sqrt(ss/c + 1e-8)
		for ch := range c {
			j := (img*c+ch)*h*w + p
			require.InDelta(t, float64(float32(xs[j]))/r, y32[j], 1e-6, "y[%d]", j)
			require.InDelta(t, xs[j]/math.Sqrt(sumSquares(xs, img, p, c, h*w)/c+1e-8), y64[j], 1e-12, "y[%d]", j)
			require.InDelta(t, dx64[j], dx32[j], 1e-5*math.Max(1, math.Abs(dx64[j])), "dx[%d]", j)
		}
	}
}

func sumSquares(xs []float64, img, p, c, hw int) float64 {
	var ss float64
	for ch := range c {
		v := xs[(img*c+ch)*hw+p]
		ss += v * v
	}
	return ss
}

// TestPixelNormGradientThroughUpsample checks PixelNorm's hand-derived
// gradient with more channels than TestPixelNormGradient, after an
// upsampled convolution as in the DCGAN generator, with a ReLU after it.
func TestPixelNormGradientThroughUpsample(t *testing.T) {
	rng := rand.New(rand.NewPCG(73, 74))
	params := graphs.NewConv2d("c", 3, 6, 3, 1, 1, rng).Params().ToFloat64()
	conv := &graphs.Conv2d{Weight: params[0], Bias: params[1], Pad: 1}
	require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		x, w := b.Input("x", 2, 3, 3, 3), b.Input("w", 2, 6, 6, 6)
		testutil.FillNormal(t, x, rand.New(rand.NewPCG(75, 76)), 1)
		testutil.FillNormal(t, w, rand.New(rand.NewPCG(77, 78)), 1)
		return b.Sum(b.Mul(b.ReLU(b.PixelNorm(conv.Forward(b, b.Upsample(x, 2)))), w))
	}, 0, 1e-6))
}

// TestActivationBuffersKeptAcrossRuns runs one graph with a gradient four
// times on changing inputs: every activation, PixelNorm and their
// backward ops must compute into the memory of the first run, and the
// loss and gradient must equal those of a new graph run once on the same
// inputs (and the loss the definition).
func TestActivationBuffersKeptAcrossRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(79, 80))
	scale := graphs.NewParam("s", 1)
	scale.Value.Data().([]float32)[0] = 0.7
	params := graphs.Params{scale}.ToFloat64()
	type graph struct {
		b      *graphs.Builder
		vm     *graphs.Machine
		x, x2  *G.Node
		loss   *graphs.Result
		grad   *G.Node
		lookup func() []*float64
	}
	build := func() graph {
		b := graphs.NewBuilder()
		b.Dtype = tensor.Float64
		x, x2 := b.Input("x", 2, 3, 2, 2), b.Input("x2", 2, 3, 2, 2)
		h := b.PixelNorm(b.Add(b.ScaleBy(b.Param(params[0]), x), x2))
		y := b.Sigmoid(b.Tanh(b.LeakyReLU(b.ReLU(h), 0.3)))
		loss := b.Sum(b.Reshape(y, 24))
		kept := b.Keep(loss)
		grads := b.Grad(loss, params)
		vm, err := b.Compile()
		require.NoError(t, err)
		var ours G.Nodes
		for _, n := range b.G.AllNodes() {
			switch opType(n) {
			case "ops.actOp", "ops.pixelNormOp":
				ours = append(ours, n)
			}
		}
		require.Len(t, ours, 10, "five forward and five backward ops")
		return graph{b, vm, x, x2, kept, grads[0], func() []*float64 {
			var ptrs []*float64
			for _, n := range ours {
				ptrs = append(ptrs, &graphs.Value(n).Data().([]float64)[0])
			}
			return ptrs
		}}
	}
	g := build()
	var first []*float64
	for run := range 4 {
		testutil.FillNormal(t, g.x, rng, 1+float64(run))
		testutil.FillNormal(t, g.x2, rng, 1)
		require.NoError(t, g.vm.Run())

		in, in2 := graphs.Value(g.x).Data().([]float64), graphs.Value(g.x2).Data().([]float64)
		h := make([]float64, 24)
		for i := range h {
			h[i] = params[0].Value.Data().([]float64)[0]*in[i] + in2[i]
		}
		var want float64
		for i := range 24 {
			r := math.Sqrt(sumSquares(h, i/12, i%4, 3, 4)/3 + 1e-8)
			want += 1 / (1 + math.Exp(-math.Tanh(math.Max(h[i]/r, 0))))
		}
		require.InDelta(t, want, g.loss.Scalar(), 1e-12, "run %d", run)

		fresh := build()
		copy(graphs.Value(fresh.x).Data().([]float64), in)
		copy(graphs.Value(fresh.x2).Data().([]float64), in2)
		require.NoError(t, fresh.vm.Run())
		require.Equal(t, fresh.loss.Scalar(), g.loss.Scalar(), "run %d", run)
		require.Equal(t, graphs.Value(fresh.grad).Data(), graphs.Value(g.grad).Data(), "run %d", run)
		require.NotZero(t, graphs.Value(g.grad).Data().([]float64)[0])

		ptrs := g.lookup()
		if first == nil {
			first = ptrs
		}
		require.Equal(t, first, ptrs, "run %d computed into new memory", run)
	}
}

// TestSiLUGradientFloat32 checks SiLU's float32 gradient, read off the
// output and the σ(x) the forward pass keeps, against the derivative
// σ(x)(1 + x(1 − σ(x))) in float64, on extremes and on enough values to
// be split over the cores.
func TestSiLUGradientFloat32(t *testing.T) {
	const size = 3<<14 + 7
	rng := rand.New(rand.NewPCG(71, 72))
	xs, ws := activationInputs(size, rng), randomFloats(rng, size, 1, 0)
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float32
	ps := toFloat32(graphs.Params{param64("x", xs, 1, size)})
	w := b.Input("w", 1, size)
	setInput(w, ws)
	g := b.Grad(b.Sum(b.Mul(b.SiLU(b.Param(ps[0])), w)), ps)
	vm, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, vm.Run())
	got := valuesOf(t, graphs.Value(g[0]))
	for i, v := range xs {
		x := float64(float32(v))
		s := 1 / (1 + math.Exp(-x))
		slope := s * (1 + x*(1-s))
		switch {
		case math.IsInf(x, 1):
			slope = 1
		case math.IsInf(x, -1):
			slope = 0
		}
		want := float64(float32(ws[i])) * slope
		require.InDelta(t, want, got[i], 1e-6*math.Max(1, math.Abs(want)), "dx at x = %v", x)
	}
}
