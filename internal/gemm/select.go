package gemm

// kernels lists the kernels this build can run on this CPU, best first:
// OpenBLAS (only with the openblas build tag), the assembly kernels the CPU
// supports, and the portable Go kernel, which always works.
func kernels() []*kernel {
	ks := append(externalKernels(), archKernels()...)
	return append(ks, goKernel)
}

// packedKernels lists the kernels that run this package's blocked driver
// (all but external ones), best first.
func packedKernels() []*kernel {
	var ks []*kernel
	for _, k := range kernels() {
		if k.external == nil {
			ks = append(ks, k)
		}
	}
	return ks
}

// active is the kernel Sgemm uses: the first of kernels().
var active = kernels()[0]

// Kernel names the implementation Sgemm uses: "openblas", "avx512",
// "avx2", "gonum" (amd64 without AVX2), or "go" for the portable kernel.
// For logs and benchmark tables.
func Kernel() string { return active.name }
