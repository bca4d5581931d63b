//go:build !amd64 || purego

package gemm

// archKernels lists the assembly kernels this build can run: none, so the
// portable Go kernel is used.
func archKernels() []*kernel { return nil }

// extraTestKernels are kernels that this CPU does not select but that
// tests should still check: none.
func extraTestKernels() []*kernel { return nil }
