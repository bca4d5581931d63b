package gemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
)

// Implementation is a complete BLAS for Gorgonia and the tensor package:
// gonum's pure-Go implementation with Sgemm replaced by this package's.
// Everything else (level 1 and 2, float64, complex) is gonum's unchanged;
// Sgemv, Sdot and Saxpy there already use gonum's assembly and are not
// where training time goes.
type Implementation struct {
	gonum.Implementation
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C; see the package-level
// Sgemm.
func (Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Use makes Gorgonia and the tensor package use Implementation for every
// BLAS call (gorgonia.Use also sets tensor's BLAS). Call it before running
// graphs, while none runs (graphs' Builder.Compile does); it is safe to
// call more than once.
func Use() { G.Use(Implementation{}) }
