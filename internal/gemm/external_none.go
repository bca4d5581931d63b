//go:build !openblas || !cgo

package gemm

// externalKernels is empty: this build does not link OpenBLAS.
func externalKernels() []*kernel { return nil }

// setExternalThreads has nothing to configure.
func setExternalThreads(int) {}

// serialChoice: without OpenBLAS, SgemmSerial uses the active kernel.
func serialChoice() *kernel { return active }
