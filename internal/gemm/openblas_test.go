//go:build openblas && cgo

package gemm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"gonum.org/v1/gonum/blas"

	"github.com/gorgozoo/gorgozoo/internal/gemm/openblas"
	"github.com/gorgozoo/gorgozoo/internal/parallel"
)

// TestOpenBLASOneThread: OpenBLAS computes on its caller's thread only, so
// that SgemmSerial's callers and the shared products' chunks each get one
// core, and large products are still shared over the cores by the pool.
func TestOpenBLASOneThread(t *testing.T) {
	assert.Equal(t, 1, openblas.Threads(), "threads OpenBLAS uses")
	const m, n, k = 256, 256, 256
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	before := sharedProducts.Load()
	sgemm(openblasKernel, blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
	if parallel.Workers() > 1 {
		assert.NotEqual(t, before, sharedProducts.Load(), "a %d×%d×%d product was not shared over the cores", m, n, k)
	}
}
