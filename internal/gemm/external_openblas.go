//go:build openblas && cgo

package gemm

import (
	"runtime"

	"github.com/gorgozoo/gorgozoo/internal/gemm/openblas"
)

// openblasKernel hands whole products to OpenBLAS. It exists only with
// -tags openblas (cgo and Debian's libopenblas-dev).
var openblasKernel = &kernel{name: "openblas", external: func(p problem) {
	// sgemm has checked that m, n, k ≥ 1 and every slice is long enough.
	if !openblas.Sgemm(p.aTrans, p.bTrans, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc) {
		// Dimensions beyond 32 bits: use the Go driver.
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

// serialChoice is the kernel SgemmSerial uses under this tag: the one the
// default build would make active (AVX2 where the CPU has it; gonum's,
// whose sharing is Go goroutines that the scheduler multiplexes onto the
// callers' threads, on older amd64; else the portable kernel), never
// OpenBLAS, whose pthreads would multiply under callers that already run
// one per core.
func serialChoice() *kernel {
	if ks := archKernels(); len(ks) > 0 {
		return ks[0]
	}
	return goKernel
}

func externalKernels() []*kernel { return []*kernel{openblasKernel} }

// setExternalThreads sets OpenBLAS's thread count (n ≤ 0: one per CPU).
func setExternalThreads(n int) {
	if n <= 0 {
		n = runtime.NumCPU()
	}
	openblas.SetThreads(n)
}
