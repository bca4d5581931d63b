package gemm_test

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgozoo/gorgozoo/internal/gemm"
)

// counting wraps a BLAS and counts its Sgemm and Sgemv calls, to show
// which entry points a Gorgonia graph really uses.
type counting struct {
	G.BLAS
	sgemm, sgemv atomic.Int64
}

func (c *counting) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, cc []float32, ldc int) {
	c.sgemm.Add(1)
	c.BLAS.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc)
}

func (c *counting) Sgemv(tA blas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	c.sgemv.Add(1)
	c.BLAS.Sgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
}

func randDense(rng *rand.Rand, shape ...int) *tensor.Dense {
	n := 1
	for _, s := range shape {
		n *= s
	}
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(rng.NormFloat64()) * 0.3
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
}

// mlpResults builds a two-layer MLP with the same shapes and transposes as
// the models' Linear layers (x·W1ᵀ, tanh, ·W2ᵀ, plus a matrix-vector
// product), runs forward and backward once with whatever BLAS is installed,
// and returns the output and every gradient.
func mlpResults(t *testing.T) map[string][]float32 {
	t.Helper()
	rng := rand.New(rand.NewPCG(42, 43))
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(64, 100), G.WithName("x"), G.WithValue(randDense(rng, 64, 100)))
	w1 := G.NewMatrix(g, tensor.Float32, G.WithShape(256, 100), G.WithName("w1"), G.WithValue(randDense(rng, 256, 100)))
	w2 := G.NewMatrix(g, tensor.Float32, G.WithShape(37, 256), G.WithName("w2"), G.WithValue(randDense(rng, 37, 256)))
	v := G.NewVector(g, tensor.Float32, G.WithShape(37), G.WithName("v"), G.WithValue(randDense(rng, 37)))
	h := G.Must(G.Tanh(G.Must(G.Mul(x, G.Must(G.Transpose(w1))))))
	y := G.Must(G.Mul(h, G.Must(G.Transpose(w2)))) // 64×37
	yv := G.Must(G.Mul(y, v))                      // matrix·vector: 64
	cost := G.Must(G.Add(G.Must(G.Sum(G.Must(G.Square(y)))), G.Must(G.Sum(yv))))
	_, err := G.Grad(cost, x, w1, w2, v)
	require.NoError(t, err)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	out := map[string][]float32{"y": append([]float32(nil), y.Value().Data().([]float32)...)}
	for _, n := range []*G.Node{x, w1, w2, v} {
		gv, err := n.Grad()
		require.NoError(t, err)
		out["d"+n.Name()] = append([]float32(nil), gv.Data().([]float32)...)
	}
	return out
}

// TestGraphSameWithUse checks that a graph's forward values and gradients
// agree within float32 round-off with gonum's BLAS and with ours, and that
// the graph's products really went through the installed Sgemm.
func TestGraphSameWithUse(t *testing.T) {
	defer G.Use(gonum.Implementation{})

	G.Use(gonum.Implementation{})
	want := mlpResults(t)

	gemm.Use()
	require.IsType(t, gemm.Implementation{}, G.WhichBLAS(), "gorgonia BLAS after Use")
	require.IsType(t, gemm.Implementation{}, tensor.WhichBLAS(), "tensor BLAS after Use")
	ctr := &counting{BLAS: gemm.Implementation{}}
	G.Use(ctr)
	got := mlpResults(t)
	t.Logf("Sgemm calls %d, Sgemv calls %d", ctr.sgemm.Load(), ctr.sgemv.Load())
	// Forward: x·W1ᵀ, h·W2ᵀ; backward: dY·W, dYᵀ·X for both layers.
	assert.GreaterOrEqual(t, ctr.sgemm.Load(), int64(6), "Sgemm calls the graph made through the installed BLAS")
	assert.GreaterOrEqual(t, ctr.sgemv.Load(), int64(1), "Sgemv calls the graph made through the installed BLAS")

	for name, w := range want {
		g := got[name]
		require.Len(t, g, len(w), "%s: values", name)
		var maxAbs float64
		for _, v := range w {
			maxAbs = max(maxAbs, math.Abs(float64(v)))
		}
		for i := range w {
			// Both backends round differently in float32; relative to the
			// largest value of the tensor, 1e-5 is a few hundred ulps of
			// accumulated round-off over k ≤ 256 and far below any real
			// difference.
			require.InDelta(t, w[i], g[i], 1e-5*maxAbs, "%s[%d] with gemm against gonum (max |value| %.3g)", name, i, maxAbs)
		}
	}
}
