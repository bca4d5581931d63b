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

func TestAddToMapsValues(t *testing.T) {
	const n, c, h, w = 4, 16, 24, 24 // 36 864 values: split over the cores
	const hw = h * w
	rng := rand.New(rand.NewPCG(91, 92))
	xs, vs := randomFloats(rng, n*c*hw, 1, 0), randomFloats(rng, n*c, 1, 0)
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	x, v := b.Input("x", n, c, h, w), b.Input("v", n, c)
	setInput(x, xs)
	setInput(v, vs)
	got := run64(t, b, b.AddToMaps(x, v))[0]
	for i, want := range xs {
		require.Equal(t, want+vs[i/hw], got[i], "y[%d]", i)
	}

	for _, tc := range []struct {
		name     string
		x, v     []int
		wantText string
	}{
		{"vector of another batch", []int{2, 3, 2, 2}, []int{1, 3}, "got (2, 3, 2, 2) and (1, 3)"},
		{"vector of another width", []int{2, 3, 2, 2}, []int{2, 4}, "got (2, 3, 2, 2) and (2, 4)"},
		{"not maps", []int{2, 3}, []int{2, 3}, "got (2, 3) and (2, 3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := graphs.NewBuilder()
			require.Nil(t, b.AddToMaps(b.Input("x", tc.x...), b.Input("v", tc.v...)))
			require.ErrorContains(t, b.Err(), tc.wantText)
		})
	}
}

// TestAddToMapsGradient: the vector comes out of a Linear layer, so its
// gradient (each map's sum of the upstream gradient) reaches the layer's
// weights; the maps are a parameter of their own.
func TestAddToMapsGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(93, 94))
	maps := graphs.NewParam("maps", 2, 3, 2, 3)
	graphs.Normal(maps, 1, rng)
	params := append(graphs.NewLinear("fc", 4, 3, rng).Params(), maps).ToFloat64()
	fc := &graphs.Linear{Weight: params[0], Bias: params[1]}
	require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		e, w := b.Input("e", 2, 4), b.Input("w", 2, 3, 2, 3)
		testutil.FillNormal(t, e, rand.New(rand.NewPCG(95, 96)), 1)
		testutil.FillNormal(t, w, rand.New(rand.NewPCG(97, 98)), 1)
		return b.Sum(b.Mul(b.Tanh(b.AddToMaps(b.Param(params[2]), fc.Forward(b, e))), w))
	}, 0, 1e-6))
}

func TestConcatChannelsValues(t *testing.T) {
	const n, c1, c2, hw = 2, 3, 2, 4
	rng := rand.New(rand.NewPCG(99, 100))
	as, bs := randomFloats(rng, n*c1*hw, 1, 0), randomFloats(rng, n*c2*hw, 1, 0)
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	a, c := b.Input("a", n, c1, 2, 2), b.Input("b", n, c2, 2, 2)
	setInput(a, as)
	setInput(c, bs)
	y := b.Concat(1, a, c)
	require.Equal(t, "ops.channelsOp", opType(y))
	require.Equal(t, tensor.Shape{n, c1 + c2, 2, 2}, y.Shape())
	got := run64(t, b, y)[0]
	var want []float64
	for i := range n {
		want = append(want, as[i*c1*hw:(i+1)*c1*hw]...)
		want = append(want, bs[i*c2*hw:(i+1)*c2*hw]...)
	}
	require.Equal(t, want, got)

	b = graphs.NewBuilder()
	require.Nil(t, b.Concat(1, b.Input("a", 2, 3, 2, 2), b.Input("b", 2, 3, 2, 3)))
	require.ErrorContains(t, b.Err(), "(2, 3, 2, 2) and (2, 3, 2, 3) differ in batch or size")
}

// TestConcatChannelsGradient joins a map computed from a parameter with a
// parameter map of another width, then mixes all channels with a
// convolution, so each input's gradient is the right slice of channels.
func TestConcatChannelsGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(101, 102))
	skip := graphs.NewParam("skip", 2, 2, 3, 3)
	graphs.Normal(skip, 1, rng)
	params := append(append(graphs.NewConv2d("c1", 1, 3, 3, 1, 1, rng).Params(), graphs.NewConv2d("c2", 5, 2, 3, 1, 1, rng).Params()...), skip).ToFloat64()
	c1 := &graphs.Conv2d{Weight: params[0], Bias: params[1], Pad: 1}
	c2 := &graphs.Conv2d{Weight: params[2], Bias: params[3], Pad: 1}
	require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		x, w := b.Input("x", 2, 1, 3, 3), b.Input("w", 2, 2, 3, 3)
		testutil.FillNormal(t, x, rand.New(rand.NewPCG(103, 104)), 1)
		testutil.FillNormal(t, w, rand.New(rand.NewPCG(105, 106)), 1)
		h := b.Concat(1, b.Tanh(c1.Forward(b, x)), b.Param(params[4]))
		return b.Sum(b.Mul(b.Tanh(c2.Forward(b, h)), w))
	}, 0, 1e-6))
}

// TestNewMapOpsKeepBuffers runs one graph of the new map ops with its
// gradients three times: every node of theirs must compute into the memory
// of the first run.
func TestNewMapOpsKeepBuffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(107, 108))
	norm := graphs.NewGroupNorm("gn", 2, 4)
	maps, vec := graphs.NewParam("maps", 2, 2, 3, 3), graphs.NewParam("v", 2, 4)
	params := append(norm.Params(), maps, vec).ToFloat64()
	norm64 := &graphs.GroupNorm{Groups: 2, Gamma: params[0], Beta: params[1]}
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	x := b.Input("x", 2, 2, 3, 3)
	h := b.Concat(1, x, b.Param(params[2]))
	h = b.SiLU(b.AddToMaps(norm64.Forward(b, h), b.Param(params[3])))
	b.Grad(b.Sum(b.Reshape(b.Mul(h, h), 72)), params)
	vm, err := b.Compile()
	require.NoError(t, err)
	var ours G.Nodes
	for _, n := range b.G.AllNodes() {
		switch opType(n) {
		case "ops.groupNormOp", "ops.addToMapsOp", "ops.channelsOp", "ops.actOp":
			// x is fed, so the gradient of its channels is left out of
			// the compiled graph and never has a value.
			if n.Op().String() != "Channels[0:2]" {
				ours = append(ours, n)
			}
		}
	}
	require.Len(t, ours, 10, "four forward ops and six gradient ops")
	var first []*float64
	for run := range 3 {
		testutil.FillNormal(t, x, rng, 1)
		require.NoError(t, vm.Run())
		var ptrs []*float64
		for _, n := range ours {
			ptrs = append(ptrs, &graphs.Value(n).Data().([]float64)[0])
		}
		if first == nil {
			first = ptrs
		}
		require.Equal(t, first, ptrs, "run %d computed into new memory", run)
	}
}

// TestAddValuesAndGradient: the sum of two tensors of one shape, and the
// gradients of both, also when one node is added to itself (its gradient
// is then the upstream gradient twice).
func TestAddValuesAndGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(109, 110))
	a, c := graphs.NewParam("a", 2, 3, 2, 2), graphs.NewParam("c", 2, 3, 2, 2)
	graphs.Normal(a, 1, rng)
	graphs.Normal(c, 1, rng)
	params := graphs.Params{a, c}.ToFloat64()

	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	sum := b.Add(b.Param(params[0]), b.Param(params[1]))
	require.Equal(t, "ops.elementwiseOp", opType(sum))
	got := run64(t, b, sum)[0]
	cs := params[1].Value.Data().([]float64)
	for i, v := range params[0].Value.Data().([]float64) {
		require.Equal(t, v+cs[i], got[i])
	}

	require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		w := b.Input("w", 2, 3, 2, 2)
		testutil.FillNormal(t, w, rand.New(rand.NewPCG(111, 112)), 1)
		x := b.Tanh(b.Add(b.Param(params[0]), b.Param(params[1])))
		return b.Sum(b.Mul(b.Add(x, x), w))
	}, 0, 1e-6))
}
