package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

type benchShape struct {
	name    string
	tA, tB  blas.Transpose
	m, n, k int
}

// linearShapes returns the three products of a Linear layer in→out at the
// given batch, as Gorgonia issues them: forward X·Wᵀ (NT), input gradient
// dY·W (NN) and weight gradient dYᵀ·X (TN).
func linearShapes(model string, batch, in, out int) []benchShape {
	return []benchShape{
		{fmt.Sprintf("%s/fwd_%dx%dx%d", model, batch, in, out), blas.NoTrans, blas.Trans, batch, out, in},
		{fmt.Sprintf("%s/dX_%dx%dx%d", model, batch, out, in), blas.NoTrans, blas.NoTrans, batch, in, out},
		{fmt.Sprintf("%s/dW_%dx%dx%d", model, out, batch, in), blas.Trans, blas.NoTrans, out, in, batch},
	}
}

// benchShapes are the products of one training step of the MLP GAN (batch
// 64) and MLP VAE (batch 128), plus two im2col convolution products
// ((B·H·W)×(C·9) · (C·9)×K) of the size the conv models will issue.
var benchShapes = func() []benchShape {
	var s []benchShape
	for _, l := range [][2]int{{100, 256}, {256, 256}, {256, 784}, {784, 256}, {256, 128}, {128, 1}} {
		s = append(s, linearShapes("gan", 64, l[0], l[1])...)
	}
	for _, l := range [][2]int{{784, 400}, {400, 20}, {20, 400}, {400, 784}} {
		s = append(s, linearShapes("vae", 128, l[0], l[1])...)
	}
	s = append(s,
		benchShape{"conv/64x14x14_32to64", blas.NoTrans, blas.NoTrans, 64 * 14 * 14, 64, 32 * 9},
		benchShape{"conv/64x7x7_64to128", blas.NoTrans, blas.NoTrans, 64 * 7 * 7, 128, 64 * 9},
	)
	return s
}()

// benchImpl is one Sgemm under test.
type benchImpl struct {
	name  string
	sgemm func(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

func benchImpls() []benchImpl {
	impls := []benchImpl{{"gonum", gonum.Implementation{}.Sgemm}}
	for _, k := range kernels() {
		impls = append(impls, benchImpl{k.name, func(tA, tB blas.Transpose, m, n, k2 int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
			sgemm(k, tA, tB, m, n, k2, alpha, a, lda, b, ldb, beta, c, ldc)
		}})
	}
	// The best packed kernel once more on one core only, to show what
	// sharing a product across cores gains (or loses on a busy machine).
	k := packedKernels()[0]
	impls = append(impls, benchImpl{k.name + "-1core", func(tA, tB blas.Transpose, m, n, k2 int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		old := parallelWork
		parallelWork = math.MaxInt
		sgemm(k, tA, tB, m, n, k2, alpha, a, lda, b, ldb, beta, c, ldc)
		parallelWork = old
	}})
	return impls
}

// BenchmarkSgemm runs every implementation on every model shape, the
// implementations of one shape next to each other so that they see the
// same machine load. GFLOP/s counts 2·m·n·k per product per second of
// wall time; GFLOP/cpu-s per second of CPU time of the whole process (so
// an implementation using two cores fully shows about half its GFLOP/s).
// Shape names are model/op_m×k×n.
func BenchmarkSgemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sh := range benchShapes {
		a := randSlice(rng, sh.m*sh.k)
		bm := randSlice(rng, sh.k*sh.n)
		c := make([]float32, sh.m*sh.n)
		lda, ldb := sh.k, sh.n
		if sh.tA != blas.NoTrans {
			lda = sh.m
		}
		if sh.tB != blas.NoTrans {
			ldb = sh.k
		}
		for _, impl := range benchImpls() {
			b.Run(sh.name+"/"+impl.name, func(b *testing.B) {
				cpu0 := processCPU()
				for b.Loop() {
					impl.sgemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, 1, a, lda, bm, ldb, 0, c, sh.n)
				}
				cpu := processCPU() - cpu0
				flops := 2 * float64(sh.m) * float64(sh.n) * float64(sh.k) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				if cpu > 0 {
					// Work per CPU-second of all threads: per-core
					// efficiency, unaffected by other processes.
					b.ReportMetric(flops/cpu.Seconds()/1e9, "GFLOP/cpu-s")
				}
			})
		}
	}
}
