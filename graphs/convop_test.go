package graphs_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// upsampleRef repeats every pixel of x [n, c, h, w] into a s×s block.
func upsampleRef(x []float64, n, c, h, w, s int) []float64 {
	out := make([]float64, 0, len(x)*s*s)
	for i := range n * c {
		for r := range h * s {
			for col := range w * s {
				out = append(out, x[(i*h+r/s)*w+col/s])
			}
		}
	}
	return out
}

func TestConv2dAfterUpsample(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	ps := graphs.NewConv2d("c", 3, 2, 3, 1, 1, rng).Params().ToFloat64()
	conv := &graphs.Conv2d{Weight: ps[0], Bias: ps[1], Pad: 1}
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	x := b.Input("x", 3, 3, 4, 5)
	testutil.FillNormal(t, x, rng, 1)
	y := conv.Forward(b, b.Upsample(x, 2))
	require.NoError(t, b.Err())
	require.Equal(t, tensor.Shape{3, 2, 8, 10}, y.Shape())
	got := run64(t, b, y)[0]
	up := upsampleRef(graphs.Value(x).Data().([]float64), 3, 3, 4, 5, 2)
	want, _, _ := convRef(up, 3, 3, 8, 10, ps[0].Value.Data().([]float64), ps[1].Value.Data().([]float64), 2, 3, 1, 1)
	require.InDeltaSlice(t, want, got, 1e-12)
}

// convCase is a layer under test with a 3×3 same-size convolution before
// it (and optionally an upsampling), so that its input gradient is needed.
type convCase struct {
	name                  string
	n, cin, h, cout, k    int
	stride, pad, upsample int
	wantOut               int // output height and width
}

var convCases = []convCase{
	{name: "1x1 (direct)", n: 3, cin: 4, h: 5, cout: 2, k: 1, wantOut: 5},
	{name: "1x1 stride 2", n: 2, cin: 3, h: 5, cout: 2, k: 1, stride: 2, wantOut: 3},
	{name: "k4 stride 2 pad 1", n: 2, cin: 2, h: 8, cout: 3, k: 4, stride: 2, pad: 1, wantOut: 4},
	{name: "k3 pad 1 after upsample", n: 2, cin: 2, h: 3, cout: 3, k: 3, pad: 1, upsample: 2, wantOut: 6},
	{name: "batch 11, in ≠ out", n: 11, cin: 2, h: 5, cout: 3, k: 3, wantOut: 3},
	{name: "k5 stride 3 pad 2", n: 3, cin: 1, h: 7, cout: 2, k: 5, stride: 3, pad: 2, wantOut: 3},
}

// build adds pre-layer, (upsample,) the layer under test and a linear head
// to b and returns the scalar loss and the layer's output.
func (c convCase) build(t *testing.T, b *graphs.Builder, params graphs.Params) (loss, y *G.Node) {
	pre := &graphs.Conv2d{Weight: params[0], Bias: params[1], Stride: 1, Pad: 1}
	conv := &graphs.Conv2d{Weight: params[2], Bias: params[3], Stride: c.stride, Pad: c.pad}
	fc := &graphs.Linear{Weight: params[4], Bias: params[5]}
	x := b.Input("x", c.n, c.cin, c.h, c.h)
	testutil.FillNormal(t, x, rand.New(rand.NewPCG(43, 44)), 1)
	h := b.Tanh(pre.Forward(b, x))
	if c.upsample > 0 {
		h = b.Upsample(h, c.upsample)
	}
	y = conv.Forward(b, h)
	return b.Mean(b.Tanh(fc.Forward(b, b.Flatten(b.Tanh(y))))), y
}

func (c convCase) params() graphs.Params {
	rng := rand.New(rand.NewPCG(45, 46))
	pre := graphs.NewConv2d("pre", c.cin, c.cin, 3, 1, 1, rng)
	conv := graphs.NewConv2d("conv", c.cin, c.cout, c.k, c.stride, c.pad, rng)
	head := graphs.NewLinear("fc", c.cout*c.wantOut*c.wantOut, 3, rng)
	return append(append(pre.Params(), conv.Params()...), head.Params()...)
}

// TestConv2dGradientsThroughInput checks every parameter's gradient,
// including the layer before the convolution, which is reached only
// through the convolution's input gradient.
func TestConv2dGradientsThroughInput(t *testing.T) {
	for _, c := range convCases {
		t.Run(c.name, func(t *testing.T) {
			params := c.params().ToFloat64()
			require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
				loss, y := c.build(t, b, params)
				require.Equal(t, tensor.Shape{c.n, c.cout, c.wantOut, c.wantOut}, y.Shape())
				return loss
			}, 0, 1e-5))
		})
	}
}

// TestConv2dFloat32MatchesFloat64 runs the same graph in float32 (our
// SGEMM, the path training takes) and float64 and compares the loss and
// every gradient.
func TestConv2dFloat32MatchesFloat64(t *testing.T) {
	for _, c := range convCases {
		t.Run(c.name, func(t *testing.T) {
			p32 := c.params()
			p64 := p32.ToFloat64()
			loss32, g32 := c.lossAndGrads(t, p32, tensor.Float32)
			loss64, g64 := c.lossAndGrads(t, p64, tensor.Float64)
			require.InDelta(t, loss64, loss32, 1e-6)
			for i := range g64 {
				scale := 0.0
				for _, v := range g64[i] {
					scale = math.Max(scale, math.Abs(v))
				}
				require.InDeltaSlice(t, g64[i], g32[i], 1e-5*scale, "gradient of %s", p64[i].Name)
			}
		})
	}
}

func (c convCase) lossAndGrads(t *testing.T, params graphs.Params, dt tensor.Dtype) (float64, [][]float64) {
	b := graphs.NewBuilder()
	b.Dtype = dt
	loss, _ := c.build(t, b, params)
	kept := b.Keep(loss)
	grads := b.Grad(loss, params)
	vm, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, vm.Run())
	out := make([][]float64, len(grads))
	for i, g := range grads {
		switch d := graphs.Value(g).Data().(type) {
		case []float32:
			for _, v := range d {
				out[i] = append(out[i], float64(v))
			}
		case []float64:
			out[i] = append(out[i], d...)
		}
	}
	return kept.Scalar(), out
}

// TestConv2dDeterministic runs a float32 forward and backward pass with
// batches that split unevenly over the workers, on 1, 2 and 3 cores and
// twice on each, and wants bit-identical outputs and gradients.
func TestConv2dDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	c1 := graphs.NewConv2d("c1", 3, 8, 4, 2, 1, rng)
	c2 := graphs.NewConv2d("c2", 8, 4, 3, 1, 1, rng)
	c3 := graphs.NewConv2d("c3", 4, 2, 1, 1, 0, rng)
	params := append(append(c1.Params(), c2.Params()...), c3.Params()...)
	b := graphs.NewBuilder()
	x := b.Input("x", 37, 3, 12, 12)
	testutil.FillNormal(t, x, rng, 1)
	y := c3.Forward(b, b.Tanh(c2.Forward(b, b.Upsample(b.Tanh(c1.Forward(b, x)), 2))))
	kept := b.Keep(y)
	grads := b.Grad(b.Mean(b.Square(y)), params)
	vm, err := b.Compile()
	require.NoError(t, err)
	run := func() [][]float32 {
		require.NoError(t, vm.Run())
		out := [][]float32{append([]float32(nil), kept.Float32s()...)}
		for _, g := range grads {
			out = append(out, append([]float32(nil), graphs.Value(g).Data().([]float32)...))
		}
		return out
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var first [][]float32
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		for range 2 {
			got := run()
			if first == nil {
				first = got
				continue
			}
			for i := range got {
				require.Equal(t, first[i], got[i], "GOMAXPROCS %d, value %d", procs, i)
			}
		}
	}
}
