package graphs_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/stretchr/testify/require"
)

// instructions counts the instructions of m's tape whose text contains op.
func instructions(t *testing.T, m *graphs.Machine, op string) int {
	t.Helper()
	listing, _, _ := strings.Cut(graphs.Program(m), "Args:")
	return strings.Count(listing, op)
}

// TestCompileLeavesOutUnwantedGradients: Grad differentiates every input
// of a product, so for y = x·Wᵀ it builds dL/dx too, which nobody asked
// for when x is fed; the compiled tape must hold two products (forward and
// dL/dW), not three, and still compute the kept loss and the gradient.
func TestCompileLeavesOutUnwantedGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	l := graphs.NewLinear("l", 5, 4, rng)
	b := graphs.NewBuilder()
	x := b.Input("x", 6, 5)
	testutil.FillNormal(t, x, rng, 1)
	y := l.Forward(b, x)
	loss := b.Mean(b.Square(y))
	kept := b.Keep(loss)
	tanh := b.Keep(b.Mean(b.Tanh(y))) // off the gradient's path, but kept
	grads := b.Grad(loss, graphs.Params{l.Weight})
	m, err := b.Compile()
	require.NoError(t, err)
	require.Equal(t, 2, instructions(t, m, "MatMul"), "forward and dL/dW only")
	require.NoError(t, m.Run())

	// Reference in float64: y = x·Wᵀ + b, loss = mean(y²), dL/dW = (2/n)·(y)ᵀ·x.
	xs, w, bias := graphs.Value(x).Data().([]float32), l.Weight.Float32s(), l.Bias.Float32s()
	ys := make([]float64, 6*4)
	var want, wantTanh float64
	for i := range 6 {
		for o := range 4 {
			v := float64(bias[o])
			for k := range 5 {
				v += float64(xs[i*5+k]) * float64(w[o*5+k])
			}
			ys[i*4+o] = v
			want += v * v / 24
			wantTanh += math.Tanh(v) / 24
		}
	}
	require.InDelta(t, want, kept.Scalar(), 1e-5)
	require.InDelta(t, wantTanh, tanh.Scalar(), 1e-5)
	g := graphs.Value(grads[0]).Data().([]float32)
	for o := range 4 {
		for k := range 5 {
			var d float64
			for i := range 6 {
				d += 2 * ys[i*4+o] * float64(xs[i*5+k]) / 24
			}
			require.InDelta(t, d, float64(g[o*5+k]), 1e-5, "dL/dW[%d,%d]", o, k)
		}
	}
}
