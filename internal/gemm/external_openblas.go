//go:build openblas && cgo

package gemm

import "github.com/gorgozoo/gorgozoo/internal/gemm/openblas"

// OpenBLAS runs on one thread: the products it computes are shared over
// the cores by this package's pool (run), as the built-in kernels' are.
// With its own threads, which spin after every call, OpenBLAS fought the
// pool's workers and the elementwise ops for the same cores (an MLP GAN
// step took 7.2 ms against 4.1 with the built-in kernel on 2 cores), and
// SgemmSerial could not use it under callers that are already one per
// core. Set before any product is computed, as OpenBLAS's thread count is
// process-wide.
func init() { openblas.SetThreads(1) }

// openblasKernel hands products, or the chunks of the large ones, to
// OpenBLAS. It exists only with -tags openblas (cgo and Debian's
// libopenblas-dev). mr and nr are the chunk units of a shared product.
var openblasKernel = &kernel{name: "openblas", mr: 16, nr: 16, callerThread: true, external: func(p problem) {
	// sgemm has checked that m, n, k ≥ 1 and every slice is long enough.
	if !openblas.Sgemm(p.aTrans, p.bTrans, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc) {
		// Dimensions beyond 32 bits: this package's own driver, on this
		// goroutine (the product may be a chunk of a shared one).
		p.serial = true
		run(driverKernel(), &p)
	}
}}

// driverKernel is the best kernel of this package's own driver.
func driverKernel() *kernel {
	for _, k := range archKernels() {
		if k.external == nil {
			return k
		}
	}
	return goKernel
}

func externalKernels() []*kernel { return []*kernel{openblasKernel} }
