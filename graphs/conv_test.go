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

// convRef is a direct float64 convolution of x [n, cin, h, w] with the
// weight [cout, cin, k, k] and bias, zero-padded, as PyTorch defines it.
func convRef(x []float64, n, cin, h, w int, wt, bias []float64, cout, k, stride, pad int) ([]float64, int, int) {
	oh, ow := (h+2*pad-k)/stride+1, (w+2*pad-k)/stride+1
	out := make([]float64, n*cout*oh*ow)
	for i := range n {
		for o := range cout {
			for r := range oh {
				for c := range ow {
					s := bias[o]
					for ci := range cin {
						for kr := range k {
							for kc := range k {
								y, xx := r*stride-pad+kr, c*stride-pad+kc
								if y < 0 || y >= h || xx < 0 || xx >= w {
									continue
								}
								s += wt[((o*cin+ci)*k+kr)*k+kc] * x[((i*cin+ci)*h+y)*w+xx]
							}
						}
					}
					out[((i*cout+o)*oh+r)*ow+c] = s
				}
			}
		}
	}
	return out, oh, ow
}

func run64(t *testing.T, b *graphs.Builder, nodes ...*G.Node) [][]float64 {
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
		out[i] = k.Float64s()
	}
	return out
}

func TestConv2dMatchesDirectConvolution(t *testing.T) {
	cases := []struct {
		name                  string
		n, cin, h, w, cout, k int
		stride, pad           int
		wantOutH, wantOutW    int
	}{
		{"5x5 valid", 2, 1, 8, 8, 3, 5, 1, 0, 4, 4},
		{"3x3 same", 2, 2, 6, 5, 4, 3, 1, 1, 6, 5},
		{"stride 2 padded", 1, 3, 7, 7, 2, 3, 2, 1, 4, 4},
		{"1x1", 3, 4, 2, 3, 2, 1, 1, 0, 2, 3},
		{"1x1 strided (not the direct path)", 2, 3, 5, 4, 2, 1, 2, 0, 3, 2},
		{"k4 stride 2 pad 1 (DCGAN discriminator)", 2, 2, 8, 8, 3, 4, 2, 1, 4, 4},
		{"k5 stride 3 pad 2, ragged", 2, 2, 7, 8, 3, 5, 3, 2, 3, 3},
		{"pad wider than the kernel reach", 1, 1, 3, 3, 2, 2, 1, 2, 6, 6},
		{"batch 11 over 8 chunks, in ≠ out", 11, 3, 5, 6, 5, 3, 1, 1, 5, 6},
		{"batch 19", 19, 2, 4, 4, 3, 3, 2, 0, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			conv := graphs.NewConv2d("c", c.cin, c.cout, c.k, c.stride, c.pad, rng)
			ps := conv.Params().ToFloat64()
			conv64 := &graphs.Conv2d{Weight: ps[0], Bias: ps[1], Stride: c.stride, Pad: c.pad}
			b := graphs.NewBuilder()
			b.Dtype = tensor.Float64
			x := b.Input("x", c.n, c.cin, c.h, c.w)
			testutil.FillNormal(t, x, rng, 1)
			y := conv64.Forward(b, x)
			require.NoError(t, b.Err())
			require.Equal(t, tensor.Shape{c.n, c.cout, c.wantOutH, c.wantOutW}, y.Shape())
			require.Equal(t, c.wantOutH, conv.OutSize(c.h))
			got := run64(t, b, y)[0]
			want, oh, ow := convRef(graphs.Value(x).Data().([]float64), c.n, c.cin, c.h, c.w,
				ps[0].Value.Data().([]float64), ps[1].Value.Data().([]float64), c.cout, c.k, c.stride, c.pad)
			require.Equal(t, c.wantOutH, oh)
			require.Equal(t, c.wantOutW, ow)
			require.InDeltaSlice(t, want, got, 1e-12)
		})
	}
}

func TestMaxPoolAndFlatten(t *testing.T) {
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	x := b.Input("x", 1, 2, 4, 5) // a ragged last column is dropped
	d := graphs.Value(x).Data().([]float64)
	for i := range d {
		d[i] = float64((i * 7) % 11)
	}
	y := b.MaxPool2d(x, 2)
	f := b.Flatten(y)
	require.NoError(t, b.Err())
	require.Equal(t, tensor.Shape{1, 2, 2, 2}, y.Shape())
	require.Equal(t, tensor.Shape{1, 8}, f.Shape())
	got := run64(t, b, f)[0]
	var want []float64
	for c := range 2 {
		for r := range 2 {
			for col := range 2 {
				m := math.Inf(-1)
				for i := range 2 {
					for j := range 2 {
						m = math.Max(m, d[(c*4+2*r+i)*5+2*col+j])
					}
				}
				want = append(want, m)
			}
		}
	}
	require.Equal(t, want, got)
}

// TestConvGradients checks the CNN building blocks, each in a small
// network ending in a cross-entropy, against finite differences.
func TestConvGradients(t *testing.T) {
	cases := []struct {
		name        string
		stride, pad int
		pool        int
	}{
		{"valid conv, pool 2", 1, 0, 2},
		{"padded conv, no pool", 1, 1, 0},
		{"strided padded conv, pool 3", 2, 2, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(21, 22))
			conv1 := graphs.NewConv2d("c1", 2, 3, 3, c.stride, c.pad, rng)
			conv2 := graphs.NewConv2d("c2", 3, 2, 3, 1, 1, rng)
			oh := conv1.OutSize(7)
			if c.pool > 0 {
				oh /= c.pool
			}
			head := graphs.NewLinear("fc", 2*oh*oh, 4, rng)
			params := append(append(conv1.Params(), conv2.Params()...), head.Params()...).ToFloat64()
			c1 := &graphs.Conv2d{Weight: params[0], Bias: params[1], Stride: c.stride, Pad: c.pad}
			c2 := &graphs.Conv2d{Weight: params[2], Bias: params[3], Stride: 1, Pad: 1}
			fc := &graphs.Linear{Weight: params[4], Bias: params[5]}
			require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
				x := b.Input("x", 3, 2, 7, 7)
				testutil.FillNormal(t, x, rand.New(rand.NewPCG(23, 24)), 1)
				h := b.Tanh(c1.Forward(b, x))
				if c.pool > 0 {
					h = b.MaxPool2d(h, c.pool)
				}
				h = b.ReLU(c2.Forward(b, h))
				logits := fc.Forward(b, b.Flatten(h))
				tg := b.Input("t", 3, 4)
				copy(graphs.Value(tg).Data().([]float64), []float64{1, 0, 0, 0, 0, 0, 1, 0, 0.2, 0.3, 0.1, 0.4})
				return b.Mean(b.CrossEntropyWithLogits(logits, tg))
			}, 0, 1e-5))
		})
	}
}

func TestConvInitAndErrors(t *testing.T) {
	c := graphs.NewConv2d("clf.conv2", 16, 32, 5, 1, 0, rand.New(rand.NewPCG(0, 0)))
	require.Equal(t, "clf.conv2.weight", c.Weight.Name)
	require.Equal(t, []int{32, 16, 5, 5}, c.Weight.Shape())
	require.Equal(t, []int{32}, c.Bias.Shape())
	bound := float32(1 / math.Sqrt(16*25))
	var maxAbs float32
	for _, v := range append(c.Weight.Float32s(), c.Bias.Float32s()...) {
		maxAbs = max(maxAbs, float32(math.Abs(float64(v))))
	}
	require.LessOrEqual(t, maxAbs, bound)
	require.Greater(t, maxAbs, 0.95*bound, "draws fill the interval")

	cases := []struct {
		name  string
		shape []int
		op    func(b *graphs.Builder, x *G.Node) *G.Node
		want  string
	}{
		{"wrong channels", []int{2, 3, 8, 8}, c.Forward, "clf.conv2.weight takes [batch, 16, h, w]"},
		{"not NCHW", []int{2, 16 * 64}, c.Forward, "[batch, 16, h, w]"},
		{"kernel too big", []int{1, 16, 4, 4}, c.Forward, "does not fit"},
		{"pool too big", []int{1, 2, 3, 3}, func(b *graphs.Builder, x *G.Node) *G.Node { return b.MaxPool2d(x, 4) }, "max pool"},
		{"flatten a vector", []int{5}, (*graphs.Builder).Flatten, "flatten"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := graphs.NewBuilder()
			require.Nil(t, tc.op(b, b.Input("x", tc.shape...)))
			require.ErrorContains(t, b.Err(), tc.want)
		})
	}
}

// TestCrossEntropyValues compares the graph with a float64 reference,
// including logits far beyond where exp overflows.
func TestCrossEntropyValues(t *testing.T) {
	logits := [][]float64{
		{1, 2, 3},
		{-1000, 0, 1000},
		{800, 800, 800},
		{-3, -3.5, 20},
		{1e-3, 0, -1e-3},
	}
	targets := [][]float64{
		{0, 0, 1},
		{1, 0, 0},
		{0, 1, 0},
		{0.5, 0.25, 0.25},
		{0, 1, 0},
	}
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	x := b.Input("x", len(logits), 3)
	tg := b.Input("t", len(logits), 3)
	for i := range logits {
		copy(graphs.Value(x).Data().([]float64)[3*i:], logits[i])
		copy(graphs.Value(tg).Data().([]float64)[3*i:], targets[i])
	}
	ce := b.CrossEntropyWithLogits(x, tg)
	lsm := b.LogSoftmax(x)
	require.NoError(t, b.Err())
	out := run64(t, b, ce, lsm)
	for i, row := range logits {
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, v)
		}
		var s float64
		for _, v := range row {
			s += math.Exp(v - m)
		}
		var want float64
		for j, v := range row {
			lp := v - m - math.Log(s)
			require.InDelta(t, lp, out[1][3*i+j], 1e-9*math.Max(1, math.Abs(lp)), "log softmax row %d col %d", i, j)
			want -= targets[i][j] * lp
		}
		require.False(t, math.IsNaN(out[0][i]) || math.IsInf(out[0][i], 0), "row %d: %v", i, out[0][i])
		require.InDelta(t, want, out[0][i], 1e-9*math.Max(1, want), "row %d", i)
	}

	b = graphs.NewBuilder()
	require.Nil(t, b.CrossEntropyWithLogits(b.Input("x", 2, 3), b.Input("t", 2, 4)))
	require.ErrorContains(t, b.Err(), "differ in shape")
}

func TestUpsampleValuesAndGradient(t *testing.T) {
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	x := b.Input("x", 1, 2, 2, 3)
	copy(graphs.Value(x).Data().([]float64), []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	y := b.Upsample(x, 2)
	require.Equal(t, tensor.Shape{1, 2, 4, 6}, y.Shape())
	got := run64(t, b, y)[0]
	want := []float64{
		1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6,
		7, 7, 8, 8, 9, 9, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 10, 10, 11, 11, 12, 12,
	}
	require.Equal(t, want, got)

	rng := rand.New(rand.NewPCG(31, 32))
	// A layer on each side, so the gradient must flow back through Upsample.
	params := append(append(graphs.NewConv2d("c1", 2, 2, 3, 1, 1, rng).Params(), graphs.NewConv2d("c2", 2, 2, 3, 1, 1, rng).Params()...), graphs.NewLinear("fc", 2*6*6, 3, rng).Params()...).ToFloat64()
	c1 := &graphs.Conv2d{Weight: params[0], Bias: params[1], Pad: 1}
	c2 := &graphs.Conv2d{Weight: params[2], Bias: params[3], Pad: 1}
	fc := &graphs.Linear{Weight: params[4], Bias: params[5]}
	require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		x := b.Input("x", 2, 2, 3, 3)
		testutil.FillNormal(t, x, rand.New(rand.NewPCG(33, 34)), 1)
		h := b.Tanh(c2.Forward(b, b.Upsample(b.Tanh(c1.Forward(b, x)), 2)))
		return b.Mean(b.Tanh(fc.Forward(b, b.Flatten(h))))
	}, 0, 1e-5))
}

// TestMaxPoolMatchesGorgonia compares MaxPool2d (our op) with Gorgonia's
// MaxPool2D, values and input gradients, in both dtypes, over two runs
// with different inputs (kept buffers must be rewritten, the kept maxima
// renewed), on maps with a ragged edge and enough planes to be split over
// the cores.
func TestMaxPoolMatchesGorgonia(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			b := graphs.NewBuilder()
			b.Dtype = dt
			x := b.Input("x", 40, 30, 7, 9)
			w := b.Input("w", 40, 30, 3, 4)
			ours := b.MaxPool2d(x, 2)
			theirs := G.Must(G.MaxPool2D(x, tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2}))
			require.Equal(t, "MaxPool(2)", ours.Op().String())
			lossOurs := b.Sum(b.Mul(ours, w))
			lossTheirs := b.Sum(b.Mul(theirs, w))
			gOurs, err := G.Grad(lossOurs, x)
			require.NoError(t, err)
			gTheirs, err := G.Grad(lossTheirs, x)
			require.NoError(t, err)
			vals := []*graphs.Result{b.Keep(ours), b.Keep(theirs), b.Keep(gOurs[0]), b.Keep(gTheirs[0])}
			vm, err := b.Compile()
			require.NoError(t, err)
			rng := rand.New(rand.NewPCG(37, 38))
			for range 2 {
				testutil.FillNormal(t, x, rng, 1)
				testutil.FillNormal(t, w, rng, 1)
				require.NoError(t, vm.Run())
				require.Equal(t, floats64(vals[1]), floats64(vals[0]), "values")
				require.Equal(t, floats64(vals[3]), floats64(vals[2]), "gradients")
			}
		})
	}
}
