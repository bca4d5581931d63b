package graphs_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/graphs/ops"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// softplusRef is log(1+eˣ) evaluated in the branch that cannot overflow.
func softplusRef(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// bceRef is the textbook −t·log σ(x) − (1−t)·log(1−σ(x)), with
// log σ(x) = −softplus(−x) and log(1−σ(x)) = −softplus(x) so that it is
// accurate everywhere; a zero weight drops its term (0·∞ would be NaN).
func bceRef(x, t float64) float64 {
	var l float64
	if t != 0 {
		l += t * softplusRef(-x)
	}
	if t != 1 {
		l += (1 - t) * softplusRef(x)
	}
	return l
}

// bceInputsFor returns logits with extremes (where exp overflows in
// float32 and float64) and ordinary values, and targets cycling through
// 0, 1 and values in between.
func bceInputsFor(n int, rng *rand.Rand) (xs, ts []float64) {
	ext := []float64{0, 1e-7, -1e-7, 0.5, -0.5, 5, -5, 20, -20, 40, -40, 89, -89, 200, -200, 1e4, -1e4}
	tv := []float64{0, 1, 0.3, 0.9}
	for _, x := range ext {
		for _, t := range tv {
			xs, ts = append(xs, x), append(ts, t)
		}
	}
	for len(xs) < n {
		xs, ts = append(xs, rng.NormFloat64()*4), append(ts, rng.Float64())
	}
	return xs[:n], ts[:n]
}

func TestBCEOpValues(t *testing.T) {
	// 3·2¹⁴+5 elements: split into uneven pieces over the cores.
	for _, size := range []int{68, 3<<14 + 5} {
		xs, ts := bceInputsFor(size, rand.New(rand.NewPCG(91, 92)))
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(fmt.Sprintf("%v/%d", dt, size), func(t *testing.T) {
				b := graphs.NewBuilder()
				b.Dtype = dt
				x, tg := b.Input("x", 1, size), b.Input("t", 1, size)
				setInput(x, xs)
				setInput(tg, ts)
				fed := b.BCEWithLogits(x, tg)
				consts := map[float64]*G.Node{}
				for _, c := range []float64{0, 1, 0.3} {
					consts[c] = b.BCEWithLogitsConst(x, c)
				}
				sp := b.Softplus(x)
				vm, err := b.Compile()
				require.NoError(t, err)
				require.NoError(t, vm.Run())
				xr, tr := valuesOf(t, graphs.Value(x)), valuesOf(t, graphs.Value(tg)) // as the graph saw them
				tol := 1e-15
				if dt == tensor.Float32 {
					tol = 1.2e-7 // one rounding of the float64 result
				}
				check := func(what string, got []float64, want func(i int) float64) {
					t.Helper()
					for i := range got {
						w := want(i)
						require.False(t, math.IsNaN(got[i]) || math.IsInf(got[i], 0), "%s: x=%v t=%v gave %v", what, xr[i], tr[i], got[i])
						require.InDelta(t, w, got[i], tol*math.Max(1, math.Abs(w)), "%s: x=%v t=%v", what, xr[i], tr[i])
					}
				}
				check("fed", valuesOf(t, graphs.Value(fed)), func(i int) float64 { return bceRef(xr[i], tr[i]) })
				for c, n := range consts {
					cr := c
					if dt == tensor.Float32 {
						cr = float64(float32(c))
					}
					check(fmt.Sprintf("const %v", c), valuesOf(t, graphs.Value(n)), func(i int) float64 { return bceRef(xr[i], cr) })
				}
				check("softplus", valuesOf(t, graphs.Value(sp)), func(i int) float64 { return softplusRef(xr[i]) })

				// The naive textbook formula, where it is still accurate.
				got := valuesOf(t, graphs.Value(fed))
				for i, xv := range xr {
					if math.Abs(xv) <= 20 {
						s := 1 / (1 + math.Exp(-xv))
						want := -tr[i]*math.Log(s) - (1-tr[i])*math.Log(1-s)
						require.InDelta(t, want, got[i], 1e-6*math.Max(1, math.Abs(want)), "x=%v t=%v", xv, tr[i])
					}
				}
			})
		}
	}
}

// TestBCEOpGradientValues checks dℓ/dx = σ(x) − t and dℓ/dt = −x at the
// extremes, where finite differences say little: the upstream gradient
// is a weight per element.
func TestBCEOpGradientValues(t *testing.T) {
	xs, ts := bceInputsFor(68, rand.New(rand.NewPCG(93, 94)))
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			px, pt := graphs.NewParam("x", 4, 17), graphs.NewParam("t", 4, 17)
			ps := graphs.Params{px, pt}
			if dt == tensor.Float64 {
				ps = ps.ToFloat64()
			}
			b := graphs.NewBuilder()
			b.Dtype = dt
			w := b.Input("w", 4, 17)
			ws := make([]float64, 68)
			for i := range ws {
				ws[i] = 0.5 + float64(i%5)
			}
			setInput(w, ws)
			x, tg := b.Param(ps[0]), b.Param(ps[1])
			setInput(x, xs)
			setInput(tg, ts)
			xr, tr := valuesOf(t, graphs.Value(x)), valuesOf(t, graphs.Value(tg))
			loss := b.Sum(b.Mul(w, b.BCEWithLogits(x, tg)))
			grads := b.Grad(loss, ps)
			vm, err := b.Compile()
			require.NoError(t, err)
			require.NoError(t, vm.Run())
			gx, gt := valuesOf(t, graphs.Value(grads[0])), valuesOf(t, graphs.Value(grads[1]))
			tol, floor := 1e-15, 1e-320 // floor: subnormal results keep fewer digits
			if dt == tensor.Float32 {
				tol, floor = 1.2e-7, 1e-44
			}
			for i, xv := range xr {
				// σ(x) − t, with 1 − σ(x) = σ(−x) exact for large x.
				want := 1/(1+math.Exp(-xv)) - tr[i]
				if xv > 0 {
					want = (1 - tr[i]) - 1/(1+math.Exp(xv))
				}
				want *= ws[i]
				require.InDelta(t, want, gx[i], tol*math.Abs(want)+floor, "dx at x=%v t=%v", xv, tr[i])
				require.InDelta(t, -ws[i]*xv, gt[i], tol*math.Abs(ws[i]*xv), "dt at x=%v", xv)
			}
		})
	}
}

// TestBCEOpGradCheck compares the op's gradients w.r.t. logits and
// targets with finite differences, the targets both fed directly and
// computed in the graph (so that dt flows on into a layer).
func TestBCEOpGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(95, 96))
	l := graphs.NewLinear("l", 5, 4, rng)
	params := append(l.Params(), graphs.NewParam("t", 6, 4), graphs.NewParam("logits", 6, 4)).ToFloat64()
	ll := &graphs.Linear{Weight: params[0], Bias: params[1]}
	tp, xp := params[2], params[3]
	for i := range tp.Value.Data().([]float64) {
		tp.Value.Data().([]float64)[i] = rng.Float64()
		xp.Value.Data().([]float64)[i] = rng.NormFloat64() * 3
	}
	weighted := func(b *graphs.Builder, n *G.Node) *G.Node {
		w := b.Input("w", n.Shape()...)
		testutil.FillNormal(t, w, rand.New(rand.NewPCG(97, 98)), 1)
		return b.Sum(b.Mul(w, n))
	}
	cases := []struct {
		name   string
		params graphs.Params
		build  func(b *graphs.Builder) *G.Node
	}{
		{"fed targets", graphs.Params{xp, tp}, func(b *graphs.Builder) *G.Node {
			return weighted(b, b.BCEWithLogits(b.Param(xp), b.Param(tp)))
		}},
		{"targets from a layer", graphs.Params{xp, params[0], params[1]}, func(b *graphs.Builder) *G.Node {
			in := b.Input("in", 6, 5)
			testutil.FillNormal(t, in, rand.New(rand.NewPCG(99, 100)), 1)
			tg := b.Sigmoid(ll.Forward(b, in))
			return weighted(b, b.BCEWithLogits(b.Tanh(b.Param(xp)), tg))
		}},
		{"x is also the target's source", graphs.Params{xp}, func(b *graphs.Builder) *G.Node {
			x := b.Param(xp)
			return weighted(b, b.BCEWithLogits(x, b.Sigmoid(x)))
		}},
		{"const 1", graphs.Params{xp}, func(b *graphs.Builder) *G.Node { return weighted(b, b.BCEWithLogitsConst(b.Param(xp), 1)) }},
		{"const 0", graphs.Params{xp}, func(b *graphs.Builder) *G.Node { return weighted(b, b.BCEWithLogitsConst(b.Param(xp), 0)) }},
		{"const 0.9", graphs.Params{xp}, func(b *graphs.Builder) *G.Node { return weighted(b, b.BCEWithLogitsConst(b.Param(xp), 0.9)) }},
		{"softplus", graphs.Params{xp}, func(b *graphs.Builder) *G.Node { return weighted(b, b.Softplus(b.Param(xp))) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.NoError(t, testutil.GradCheck(c.params, c.build, 0, 1e-6))
		})
	}
}

// TestBCEOpBuffersKeptAcrossRuns: the loss and both gradient ops compute
// into the memory of their first run, and give what a new graph gives.
func TestBCEOpBuffersKeptAcrossRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(101, 102))
	params := graphs.Params{graphs.NewParam("x", 3, 4), graphs.NewParam("t", 3, 4)}.ToFloat64()
	build := func() (*graphs.Machine, *G.Node, *graphs.Result, []*G.Node, G.Nodes) {
		b := graphs.NewBuilder()
		b.Dtype = tensor.Float64
		w := b.Input("w", 3, 4)
		testutil.FillNormal(t, w, rand.New(rand.NewPCG(1, 1)), 1)
		loss := b.Sum(b.Mul(w, b.BCEWithLogits(b.Param(params[0]), b.Param(params[1]))))
		kept := b.Keep(loss)
		grads := b.Grad(loss, params)
		vm, err := b.Compile()
		require.NoError(t, err)
		var ours G.Nodes
		for _, n := range b.G.AllNodes() {
			if opType(n) == "ops.bceOp" {
				ours = append(ours, n)
			}
		}
		require.Len(t, ours, 3, "loss, d/dx and d/dt")
		return vm, w, kept, grads, ours
	}
	vm, _, kept, grads, ours := build()
	var first []*float64
	for run := range 4 {
		for _, p := range params {
			for i := range p.Value.Data().([]float64) {
				p.Value.Data().([]float64)[i] = rng.NormFloat64() * float64(1+run)
			}
		}
		require.NoError(t, vm.Run())
		fvm, _, fkept, fgrads, _ := build()
		require.NoError(t, fvm.Run())
		require.Equal(t, fkept.Scalar(), kept.Scalar(), "run %d", run)
		for i := range grads {
			require.Equal(t, graphs.Value(fgrads[i]).Data(), graphs.Value(grads[i]).Data(), "run %d", run)
		}
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

// TestBCEOpRefusesMismatch: targets of another shape or dtype are errors
// (or, for a scalar target, Gorgonia's broadcasting form).
func TestBCEOpRefusesMismatch(t *testing.T) {
	b := graphs.NewBuilder()
	x := b.Input("x", 2, 3)
	_, err := ops.BCEWithLogits(x, b.Input("t", 3, 2))
	require.Error(t, err)
	b2 := graphs.NewBuilder()
	x2 := b2.Input("x", 2, 3)
	b2.Dtype = tensor.Float64
	_, err = ops.BCEWithLogits(x2, b2.Input("t", 2, 3))
	require.Error(t, err)
}
