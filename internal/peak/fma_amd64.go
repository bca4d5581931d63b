//go:build !purego

package peak

import "golang.org/x/sys/cpu"

// fmaAVX2 runs n iterations of 12 independent 8-lane FMA chains (acc +=
// a·b) in ymm registers and returns the sum of all 96 lanes.
//
//go:noescape
func fmaAVX2(n int, a, b float32) float32

// fmaAVX512 runs n iterations of 16 independent 16-lane FMA chains in zmm
// registers and returns the sum of all 256 lanes.
//
//go:noescape
func fmaAVX512(n int, a, b float32) float32

// archKernels lists the loops the CPU supports, best first.
func archKernels() []kernel {
	var ks []kernel
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, kernel{name: "avx512", flopsPerIter: 16 * 16 * 2, run: fmaAVX512})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, kernel{name: "avx2", flopsPerIter: 12 * 8 * 2, run: fmaAVX2})
	}
	return ks
}
