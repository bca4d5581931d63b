//go:build !openblas || !cgo

package gemm

// externalKernels is empty: this build does not link OpenBLAS.
func externalKernels() []*kernel { return nil }
