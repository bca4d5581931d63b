//go:build openblas && cgo

package openblas

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import "math"

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices
// with cblas_sgemm. The caller has validated the arguments as BLAS
// requires and m, n, k ≥ 1. It reports false, doing nothing, when a
// dimension does not fit OpenBLAS's 32-bit integers.
func Sgemm(aTrans, bTrans bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	for _, d := range [...]int{m, n, k, lda, ldb, ldc} {
		if d > math.MaxInt32 {
			return false
		}
	}
	var tA, tB uint32 = C.CblasNoTrans, C.CblasNoTrans
	if aTrans {
		tA = C.CblasTrans
	}
	if bTrans {
		tB = C.CblasTrans
	}
	C.cblas_sgemm(C.CblasRowMajor, tA, tB,
		C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(&a[0]), C.blasint(lda),
		(*C.float)(&b[0]), C.blasint(ldb),
		C.float(beta), (*C.float)(&c[0]), C.blasint(ldc))
	return true
}

// SetThreads sets how many threads OpenBLAS uses for one call.
func SetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// Threads returns how many threads OpenBLAS uses for one call.
func Threads() int { return int(C.openblas_get_num_threads()) }
