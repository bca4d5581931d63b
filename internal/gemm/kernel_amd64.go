//go:build !purego

package gemm

import (
	"golang.org/x/sys/cpu"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// tileAVX2 is the 6×16 AVX2+FMA micro-kernel in kernel_amd64.s. It reads
// kc·6 packed A values at a and kc·16 packed B values at b, and writes the
// 6×16 tile at c with row stride ldc.
//
//go:noescape
func tileAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// tileStridedAVX2 is tileAVX2 reading A in place instead of from a packed
// panel: element (r, l) of the 6×kc block is at a[r·rs + l·ls].
//
//go:noescape
func tileStridedAVX2(kc int, a *float32, rs, ls int, b, c *float32, ldc int, alpha, beta float32)

// tileAVX512 is the 16×16 AVX-512 micro-kernel in kernel_avx512_amd64.s,
// with tileAVX2's arguments: kc·16 packed A values at a, kc·16 packed B
// values at b.
//
//go:noescape
func tileAVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// tileStridedAVX512 is tileAVX512 reading the 16×kc block of A in place,
// element (r, l) at a[r·rs + l·ls].
//
//go:noescape
func tileStridedAVX512(kc int, a *float32, rs, ls int, b, c *float32, ldc int, alpha, beta float32)

// transpose8AVX2 transposes n8 8×8 blocks of 8 rows ld apart into a
// 16-wide packed panel; see kernel_amd64.s.
//
//go:noescape
func transpose8AVX2(dst, src *float32, ld, n8 int)

// copy16AVX2 packs kc steps of a full 16-wide B panel from rows ld apart.
//
//go:noescape
func copy16AVX2(dst, src *float32, ld, kc int)

func init() {
	if cpu.X86.HasAVX2 {
		copy16Fast = func(panel, src []float32, ld, kc int) {
			_ = src[(kc-1)*ld+15]
			_ = panel[16*kc-1]
			copy16AVX2(&panel[0], &src[0], ld, kc)
		}
		transpose16Fast = func(panel, src []float32, ld, k8 int) {
			_ = src[15*ld+k8-1]
			_ = panel[16*k8-1]
			transpose8AVX2(&panel[0], &src[0], ld, k8/8)
			transpose8AVX2(&panel[8], &src[8*ld], ld, k8/8)
		}
	}
}

// avx2Kernel uses the 6×16 tile: 12 of the 16 ymm registers accumulate,
// two hold the B row and two the broadcast A values. kc = 256 keeps the B
// micro-panel (16 KiB) in L1 with room for the A panel; mc = 120 keeps a
// packed A block (120 KiB) comfortably in L2.
var avx2Kernel = &kernel{
	name: "avx2",
	mr:   6, nr: 16,
	mc: 120, kc: 256, nc: 2048,
	tile: func(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
		// The bounds checks here are the only ones the assembly gets:
		// they make an out-of-range tile a Go panic, not a wild write.
		_ = a[6*kc-1]
		_ = b[16*kc-1]
		_ = c[5*ldc+15]
		tileAVX2(kc, &a[0], &b[0], &c[0], ldc, alpha, beta)
	},
	tileA: func(kc int, a []float32, rs, ls int, b, c []float32, ldc int, alpha, beta float32) {
		_ = a[5*rs+(kc-1)*ls]
		_ = b[16*kc-1]
		_ = c[5*ldc+15]
		tileStridedAVX2(kc, &a[0], rs, ls, &b[0], &c[0], ldc, alpha, beta)
	},
}

// avx512Kernel uses the 16×16 tile: 16 zmm accumulators, one per row.
// On a CPU that executes 512-bit FMAs at full width (AMD Zen 5, Intel
// server cores) it does twice the AVX2 kernel's work per instruction; on
// Zen 4, which splits them in two, about the same. Both panels are 16
// wide, so A and B share the AVX2 packing routines; kc = 256 keeps the two
// 16 KiB micro-panels in L1 and mc = 128 a packed A block (128 KiB) in L2.
var avx512Kernel = &kernel{
	name: "avx512",
	mr:   16, nr: 16,
	mc: 128, kc: 256, nc: 2048,
	tile: func(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
		_ = a[16*kc-1]
		_ = b[16*kc-1]
		_ = c[15*ldc+15]
		tileAVX512(kc, &a[0], &b[0], &c[0], ldc, alpha, beta)
	},
	tileA: func(kc int, a []float32, rs, ls int, b, c []float32, ldc int, alpha, beta float32) {
		_ = a[15*rs+(kc-1)*ls]
		_ = b[16*kc-1]
		_ = c[15*ldc+15]
		tileStridedAVX512(kc, &a[0], rs, ls, &b[0], &c[0], ldc, alpha, beta)
	},
}

// gonumKernel hands products to gonum's Sgemm, whose inner loops are SSE
// assembly: on an amd64 CPU without AVX2 or FMA (before 2013) that is
// about twice as fast as the portable Go kernel.
var gonumKernel = &kernel{name: "gonum", external: func(p problem) {
	tA, tB := blas.NoTrans, blas.NoTrans
	if p.aTrans {
		tA = blas.Trans
	}
	if p.bTrans {
		tB = blas.Trans
	}
	gonum.Implementation{}.Sgemm(tA, tB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc)
}}

// archKernels lists the kernels for this CPU that use assembly, best first.
func archKernels() []*kernel {
	var ks []*kernel
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx512Kernel)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return append(ks, avx2Kernel)
	}
	return []*kernel{gonumKernel}
}

// extraTestKernels are kernels that this CPU does not select but that
// tests should still check.
func extraTestKernels() []*kernel { return []*kernel{gonumKernel} }
