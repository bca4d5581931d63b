// Package gemm is a fast float32 matrix product (SGEMM) for Gorgonia that
// needs neither cgo nor anything installed.
//
// # Why
//
// Training the zoo's models is bound by float32 matrix products: each
// Linear layer costs three per step (forward X·Wᵀ, input gradient dY·W,
// weight gradient dYᵀ·X) and convolutions are im2col products. Gorgonia
// and its tensor package call gonum's Sgemm by default, which reaches
// about 5–20 GFLOP/s on the models' shapes. With an AVX2+FMA kernel this
// package does 85–108 GFLOP/s per core on most of those shapes, in the
// default build: about as fast as OpenBLAS.
//
// # Use
//
// The products of package graphs/ops call [Sgemm] directly (through
// [Implementation]), and graphs' Builder.Compile calls [Use] for any other
// product a graph might hold:
//
//	gemm.Use() // Gorgonia and tensor now multiply with this package
//
// It installs [Implementation] with gorgonia.Use, which also sets the
// tensor package's BLAS: tensor's MatMul calls Sgemm (for every transpose
// combination, with beta = 0), MatVecMul calls Sgemv, Outer calls Sger.
// Implementation is gonum's BLAS with only Sgemm replaced; gonum's Sgemv
// and level-1 routines already use assembly and take little of a step.
// [Kernel] names the implementation in use, for logs.
//
// [Sgemm] follows the BLAS contract exactly as gonum implements it:
// row-major, all four transpose combinations, any alpha and beta, leading
// dimensions larger than the rows, invalid arguments panic with gonum's
// messages, and with beta = 0 the old contents of C are never read.
// Results differ from gonum's only by float32 round-off (the sums are
// grouped differently).
//
// # Design
//
// Sgemm is the blocked algorithm of Goto and van de Geijn (as in BLIS):
//
//   - op(B) is packed kc×nc at a time into contiguous micro-panels of 16
//     columns, zero-padded. Packing makes all transpose combinations one
//     case and keeps a kc×16 B micro-panel in L1 while the row tiles of A
//     stream past it. With AVX2 the packing itself is SIMD (32-byte copies
//     for B, 8×8 register transposes for Bᵀ, as in the forward X·Wᵀ),
//     because with the models' 64-row batches each packed value of B is
//     used only 64 times.
//   - op(A) is read in place by the kernel when C is narrow (n ≤ 64) or
//     when A fits in L2, and packed mc×kc at a time otherwise (large A with
//     power-of-two strides would alias in the caches). For the VAE's n = 20
//     products, packing A cost as much as the arithmetic.
//   - The micro-kernel computes a 6×16 tile of C in 12 AVX2 registers, one
//     FMA per 8 products, and stores alpha·AB + beta·C. Alone it runs at
//     about 115 GFLOP/s on the development machine (AMD EPYC, Zen 4), 98%
//     of the 117 GFLOP/s that a loop of independent FMAs reaches there.
//     Ragged edges are computed as full tiles into a scratch tile and
//     merged.
//   - Where the CPU has AVX-512, a second micro-kernel computes a 16×16
//     tile in 16 zmm registers, each FMA broadcasting its A value from
//     memory. On CPUs that execute 512-bit FMAs at full width (Zen 5 here:
//     219 GFLOP/s from a loop of independent zmm FMAs, 110 with ymm) it
//     runs at about 195 GFLOP/s alone. Its 16-row tile fits the models'
//     batches of 64 and 128 exactly. (Zen 4 splits a 512-bit FMA in two,
//     so there it should only match the AVX2 kernel.)
//   - Products with m·n·k ≥ 128³ are shared across cores: C is cut into
//     column (or row) chunks that the caller and the workers of
//     internal/parallel claim one at a time, so a worker that the OS does not
//     schedule in time costs nothing (the caller takes its chunks). Smaller
//     products stay on the calling goroutine; products with m or n equal to
//     1 go to gonum's Sgemv, and tiny ones (m·n·k ≤ 64) to a direct loop.
//   - Packing buffers and the parallel bookkeeping are pooled, so a
//     training loop that repeats the same products allocates nothing.
//
// On one core, measured in CPU time, the AVX2 path runs the GAN's and the
// VAE's layer products at 85–108 GFLOP/s, level with single-threaded
// OpenBLAS (90–105), against gonum's 7–20; the VAE's 20-wide products at
// 60–95 (OpenBLAS 74–86).
//
// # Build variants
//
// On amd64 the AVX-512 kernel is chosen at run time (golang.org/x/sys/cpu)
// when the CPU and OS support AVX-512F, AVX2 and FMA, else the AVX2 kernel
// when they support AVX2 and FMA; on an older amd64 CPU, gonum's Sgemm
// (SSE assembly) is used. With the purego build tag, or on another
// architecture, a portable Go kernel (4×2 register tile, same blocking) is
// used: about 5.8 GFLOP/s per core, 1.6× gonum built without assembly (as
// gonum runs on arm64) but half of gonum's SSE assembly on amd64.
//
// With the openblas build tag (and cgo) Sgemm hands every product to
// OpenBLAS's cblas_sgemm instead; this needs Debian's libopenblas-dev
// (apt-get install -y libopenblas-dev) and is never part of the default
// build. Argument checking and the Use/Implementation API are the same.
// OpenBLAS is set to one thread and large products are shared over the
// cores by this package's pool, in chunks that each call cblas_sgemm: its
// own threads spin after every call and fought the pool and the
// elementwise ops for the cores, and SgemmSerial can use it too. Where
// this package has only the portable kernel (arm64, say) the tag is the
// fast path; on amd64 with AVX2 or AVX-512 the built-in kernels measured
// as fast as or faster than Debian's OpenBLAS 0.3.21 (which runs its
// Haswell kernels on Zen 5).
package gemm
