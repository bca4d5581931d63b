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

// opType names the Go type of n's op, such as "ops.actOp".
func opType(n *G.Node) string { return fmt.Sprintf("%T", n.Op()) }

// TestGradients checks every layer and loss against finite differences.
func TestGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	l1 := graphs.NewLinear("l1", 5, 4, rng)
	l2 := graphs.NewLinear("l2", 4, 3, rng)
	params := append(l1.Params(), l2.Params()...).ToFloat64()
	p64 := &graphs.Linear{Weight: params[0], Bias: params[1]}
	q64 := &graphs.Linear{Weight: params[2], Bias: params[3]}

	cases := []struct {
		name string
		head func(b *graphs.Builder, h *G.Node) *G.Node // from the second layer's output [6,3] to a scalar
		act  func(b *graphs.Builder, h *G.Node) *G.Node
	}{
		{"linear+sum", func(b *graphs.Builder, h *G.Node) *G.Node { return b.Sum(b.Square(h)) }, func(b *graphs.Builder, h *G.Node) *G.Node { return h }},
		{"relu", func(b *graphs.Builder, h *G.Node) *G.Node { return b.Sum(b.Square(h)) }, (*graphs.Builder).ReLU},
		{"leaky relu", func(b *graphs.Builder, h *G.Node) *G.Node { return b.Sum(b.Square(h)) },
			func(b *graphs.Builder, h *G.Node) *G.Node { return b.LeakyReLU(h, 0.2) }},
		{"tanh", func(b *graphs.Builder, h *G.Node) *G.Node { return b.Mean(b.Square(h)) }, (*graphs.Builder).Tanh},
		{"sigmoid", func(b *graphs.Builder, h *G.Node) *G.Node { return b.Mean(h) }, (*graphs.Builder).Sigmoid},
		{"product of two paths", func(b *graphs.Builder, h *G.Node) *G.Node { return b.Sum(b.Mul(h, b.Tanh(h))) }, (*graphs.Builder).Tanh},
		{"bce logits target 1", func(b *graphs.Builder, h *G.Node) *G.Node { return b.Mean(b.BCEWithLogitsConst(h, 1)) }, (*graphs.Builder).Tanh},
		{"bce logits target 0", func(b *graphs.Builder, h *G.Node) *G.Node { return b.Mean(b.BCEWithLogitsConst(h, 0)) }, (*graphs.Builder).Tanh},
		{"bce logits target 0.9", func(b *graphs.Builder, h *G.Node) *G.Node { return b.Mean(b.BCEWithLogitsConst(h, 0.9)) }, (*graphs.Builder).ReLU},
		{"bce logits fed targets", func(b *graphs.Builder, h *G.Node) *G.Node {
			tgt := b.Input("targets", 6, 3)
			d := graphs.Value(tgt).Data().([]float64)
			for i := range d {
				d[i] = float64(i%4) / 3
			}
			return b.Sum(b.BCEWithLogits(h, tgt))
		}, (*graphs.Builder).Tanh},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := rand.New(rand.NewPCG(3, 4))
			err := testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
				x := b.Input("x", 6, 5)
				testutil.FillNormal(t, x, in, 1)
				h := c.act(b, p64.Forward(b, x))
				return c.head(b, q64.Forward(b, h))
			}, 0, 1e-5)
			require.NoError(t, err)
		})
	}
}

// TestBCEWithLogitsValues compares the stable form with the textbook
// formula where the latter is accurate, and checks it stays finite and
// exact where the textbook formula overflows.
func TestBCEWithLogitsValues(t *testing.T) {
	xs := []float64{-200, -30, -5, -0.5, 0, 0.5, 5, 30, 200}
	ts := []float64{0, 1, 0.3}
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	x := b.Input("x", len(xs), len(ts))
	tg := b.Input("t", len(xs), len(ts))
	xd, td := graphs.Value(x).Data().([]float64), graphs.Value(tg).Data().([]float64)
	for i, xv := range xs {
		for j, tv := range ts {
			xd[i*len(ts)+j], td[i*len(ts)+j] = xv, tv
		}
	}
	out := b.BCEWithLogits(x, tg)
	require.NoError(t, b.Err())
	vm := G.NewTapeMachine(b.G)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	got := graphs.Value(out).Data().([]float64)
	for i, xv := range xs {
		for j, tv := range ts {
			// log(1+e^x) − t·x, evaluated in the safe branch for each sign.
			var want float64
			if xv > 0 {
				want = xv + math.Log1p(math.Exp(-xv)) - tv*xv
			} else {
				want = math.Log1p(math.Exp(xv)) - tv*xv
			}
			g := got[i*len(ts)+j]
			require.False(t, math.IsNaN(g) || math.IsInf(g, 0), "x=%v t=%v gave %v", xv, tv, g)
			require.InDelta(t, want, g, 1e-9*math.Max(1, math.Abs(want)), "x=%v t=%v", xv, tv)
		}
	}
}

// TestSharedParamAcrossGraphs checks the design's first invariant: a
// parameter bound in two graphs is one tensor, so an in-place update made
// after running one graph is seen by the other.
func TestSharedParamAcrossGraphs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	l := graphs.NewLinear("l", 3, 2, rng)
	build := func() (*graphs.Builder, *G.Node, *G.Node) {
		b := graphs.NewBuilder()
		x := b.Input("x", 1, 3)
		copy(graphs.Value(x).Data().([]float32), []float32{1, 2, 3})
		return b, x, l.Forward(b, x)
	}
	b1, _, y1 := build()
	b2, _, y2 := build()
	require.NoError(t, b1.Err())
	require.NoError(t, b2.Err())
	vm1, vm2 := G.NewTapeMachine(b1.G), G.NewTapeMachine(b2.G)
	defer vm1.Close()
	defer vm2.Close()
	require.NoError(t, vm1.RunAll())
	before := append([]float32(nil), graphs.Value(y1).Data().([]float32)...)
	l.Bias.Float32s()[0] += 10
	require.NoError(t, vm2.RunAll())
	after := graphs.Value(y2).Data().([]float32)
	require.InDelta(t, before[0]+10, after[0], 1e-5)
	require.InDelta(t, before[1], after[1], 1e-5)
}

func TestLinearInitAndNames(t *testing.T) {
	l := graphs.NewLinear("gen.fc1", 100, 256, rand.New(rand.NewPCG(0, 0)))
	require.Equal(t, "gen.fc1.weight", l.Weight.Name)
	require.Equal(t, []int{256, 100}, l.Weight.Shape())
	require.Equal(t, []int{256}, l.Bias.Shape())
	bound := float32(0.1) // 1/√100
	var nonzero int
	for _, v := range append(l.Weight.Float32s(), l.Bias.Float32s()...) {
		require.LessOrEqual(t, v, bound)
		require.GreaterOrEqual(t, v, -bound)
		if v != 0 {
			nonzero++
		}
	}
	require.Greater(t, nonzero, 25000)
	require.Error(t, graphs.Params{l.Weight, l.Weight}.Validate())
}

func TestBuilderKeepsFirstError(t *testing.T) {
	b := graphs.NewBuilder()
	x := b.Input("x", 2, 3)
	w := b.Input("w", 4, 5) // wrong inner size
	y := b.MatMulT(x, w)
	require.Nil(t, y)
	require.Nil(t, b.Tanh(y))
	require.ErrorContains(t, b.Err(), "matmul")
}

// TestBCEConstMatchesFedTargets pins the shortcuts for targets 0 and 1 to
// the general form.
func TestBCEConstMatchesFedTargets(t *testing.T) {
	for _, target := range []float64{0, 1, 0.9} {
		b := graphs.NewBuilder()
		b.Dtype = tensor.Float64
		x := b.Input("x", 4, 5)
		testutil.FillNormal(t, x, rand.New(rand.NewPCG(5, 5)), 4)
		tg := b.Input("t", 4, 5)
		for i := range graphs.Value(tg).Data().([]float64) {
			graphs.Value(tg).Data().([]float64)[i] = target
		}
		short, general := b.BCEWithLogitsConst(x, target), b.BCEWithLogits(x, tg)
		require.NoError(t, b.Err())
		vm := G.NewTapeMachine(b.G)
		require.NoError(t, vm.RunAll())
		require.InDeltaSlice(t, graphs.Value(general).Data(), graphs.Value(short).Data(), 1e-12, "target %v", target)
		vm.Close()
	}
}

// TestGradCheckCanFail makes sure the checker compares at all: with a
// tolerance below finite-difference round-off it must report a mismatch.
func TestGradCheckCanFail(t *testing.T) {
	l := graphs.NewLinear("l", 3, 2, rand.New(rand.NewPCG(1, 2)))
	params := l.Params().ToFloat64()
	ll := &graphs.Linear{Weight: params[0], Bias: params[1]}
	err := testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		x := b.Input("x", 2, 3)
		testutil.FillNormal(t, x, rand.New(rand.NewPCG(1, 1)), 1)
		return b.Sum(b.Tanh(ll.Forward(b, x)))
	}, 0, 1e-15)
	require.ErrorContains(t, err, "finite difference")
}

func TestMinibatchStd(t *testing.T) {
	// Values: rows [1,2], [3,6] → per-feature std 1 and 2 → feature 1.5.
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	h := b.Input("h", 2, 2)
	copy(graphs.Value(h).Data().([]float64), []float64{1, 2, 3, 6})
	out := b.MinibatchStd(h)
	require.NoError(t, b.Err())
	require.Equal(t, tensor.Shape{2, 3}, out.Shape())
	vm := G.NewTapeMachine(b.G)
	require.NoError(t, vm.RunAll())
	require.InDeltaSlice(t, []float64{1, 2, 1.5, 3, 6, 1.5}, graphs.Value(out).Data().([]float64), 1e-6)

	// Gradients through the statistic, used twice in one graph.
	l := graphs.NewLinear("l", 3, 4, rand.New(rand.NewPCG(2, 2)))
	head := graphs.NewLinear("head", 5, 1, rand.New(rand.NewPCG(3, 3)))
	params := append(l.Params(), head.Params()...).ToFloat64()
	ll, hh := &graphs.Linear{Weight: params[0], Bias: params[1]}, &graphs.Linear{Weight: params[2], Bias: params[3]}
	require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		x, y := b.Input("x", 6, 3), b.Input("y", 6, 3)
		testutil.FillNormal(t, x, rand.New(rand.NewPCG(4, 4)), 1)
		testutil.FillNormal(t, y, rand.New(rand.NewPCG(5, 5)), 0.1)
		fx := hh.Forward(b, b.MinibatchStd(b.Tanh(ll.Forward(b, x))))
		fy := hh.Forward(b, b.MinibatchStd(b.Tanh(ll.Forward(b, y))))
		return b.Add(b.Mean(b.BCEWithLogitsConst(fx, 1)), b.Mean(b.BCEWithLogitsConst(fy, 0)))
	}, 0, 1e-5))
}
