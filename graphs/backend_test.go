package graphs_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/gemm"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
)

// countingBLAS is gonum's BLAS counting its Sgemm calls.
type countingBLAS struct {
	gonum.Implementation
	sgemm int
}

func (c *countingBLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, cc []float32, ldc int) {
	c.sgemm++
	c.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc)
}

// TestCompileUsesTheProjectsGemm: a program that installed no BLAS, or
// another one, still multiplies with internal/gemm. Compiling makes it
// Gorgonia's BLAS, and a model's products never go through Gorgonia's
// global BLAS at all: with a counting gonum BLAS installed after
// compiling, a Linear layer computes exactly internal/gemm's product and
// the counter stays at 0.
func TestCompileUsesTheProjectsGemm(t *testing.T) {
	prev := G.WhichBLAS()
	t.Cleanup(func() { G.Use(prev) })
	G.Use(gonum.Implementation{})

	rng := rand.New(rand.NewPCG(5, 6))
	const n, in, out = 7, 33, 19
	l := graphs.NewLinear("l", in, out, rng)
	b := graphs.NewBuilder()
	x := b.Input("x", n, in)
	testutil.FillNormal(t, x, rng, 1)
	y := b.Keep(l.Forward(b, x))
	m, err := b.Compile()
	require.NoError(t, err)
	require.IsType(t, gemm.Implementation{}, G.WhichBLAS(), "Compile installs internal/gemm")

	counting := &countingBLAS{}
	G.Use(counting)
	require.NoError(t, m.Run())
	require.Zero(t, counting.sgemm, "a product went through Gorgonia's global BLAS")

	want := make([]float32, n*out)
	gemm.Sgemm(blas.NoTrans, blas.Trans, n, out, in, 1, graphs.Value(x).Float32s(), in, l.Weight.Float32s(), in, 0, want, out)
	for i := range want {
		want[i] += l.Bias.Float32s()[i%out]
	}
	require.Equal(t, want, y.Float32s())
}
