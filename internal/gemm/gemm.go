package gemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Panic strings for invalid arguments. They are gonum's, word for word, so
// that swapping the BLAS behind Gorgonia changes nothing a caller could
// observe, failures included.
const (
	badTranspose = "blas: illegal transpose"
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
)

// Sgemm computes
//
//	C = alpha * op(A) * op(B) + beta * C
//
// for row-major matrices, where op(X) is X or Xᵀ as tA and tB say, op(A) is
// m×k, op(B) is k×n and C is m×n. It is the BLAS Sgemm contract exactly as
// gonum implements it: invalid arguments panic with gonum's messages, and
// when beta is 0 the prior contents of C are never read (so NaNs in a
// recycled output buffer do not leak into the result).
func Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmOn(active, false, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is [Sgemm] computed on the calling goroutine alone, for
// callers that already share their work across cores (a convolution that
// splits its batch): sharing each product as well would put two layers of
// threads on the same cores. It is safe to call from many goroutines at
// once and never uses more than the calling one. It uses the same kernel
// as Sgemm, OpenBLAS included (which runs single-threaded under the tag).
func SgemmSerial(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmOn(serialKernel, true, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// serialKernel is the kernel of SgemmSerial: the active one. (gonum's
// Sgemm, the active kernel on amd64 CPUs without AVX2, shares its large
// products over goroutines of its own, which the Go scheduler multiplexes
// onto the callers' threads.)
var serialKernel = active

// SerialKernel names the implementation SgemmSerial uses, for logs and
// benchmark tables: the same as [Kernel].
func SerialKernel() string { return serialKernel.name }

// sgemm is Sgemm with the micro-kernel chosen by the caller, so that tests
// and benchmarks can drive every kernel side by side in one process.
func sgemm(kern *kernel, tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmOn(kern, false, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func sgemmOn(kern *kernel, serial bool, tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	aTrans := checkTranspose(tA)
	bTrans := checkTranspose(tB)
	if m < 0 {
		panic(mLT0)
	}
	if n < 0 {
		panic(nLT0)
	}
	if k < 0 {
		panic(kLT0)
	}
	if aTrans {
		if lda < max(1, m) {
			panic(badLdA)
		}
	} else if lda < max(1, k) {
		panic(badLdA)
	}
	if bTrans {
		if ldb < max(1, k) {
			panic(badLdB)
		}
	} else if ldb < max(1, n) {
		panic(badLdB)
	}
	if ldc < max(1, n) {
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return
	}
	// With k == 0 these bounds are ≤ 0 and trivially met, as in gonum.
	if aTrans {
		if len(a) < (k-1)*lda+m {
			panic(shortA)
		}
	} else if len(a) < (m-1)*lda+k {
		panic(shortA)
	}
	if bTrans {
		if len(b) < (n-1)*ldb+k {
			panic(shortB)
		}
	} else if len(b) < (k-1)*ldb+n {
		panic(shortB)
	}
	if len(c) < (m-1)*ldc+n {
		panic(shortC)
	}

	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}

	p := problem{
		aTrans: aTrans, bTrans: bTrans,
		m: m, n: n, k: k,
		alpha: alpha, beta: beta,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
		serial: serial,
	}
	if kern.external != nil && !kern.callerThread {
		kern.external(p)
		return
	}
	if (m == 1 || n == 1) && kern != directKernel {
		// A matrix-vector product (e.g. the 1-unit output layer of a
		// discriminator): packing would pad the vector to a full tile and
		// waste most of the kernel's work.
		gemv(&p)
		return
	}
	if m*n*k <= smallWork || kern == directKernel {
		// Packing costs O(mk + kn) memory traffic and a pool round trip,
		// more than a product this small takes to compute directly.
		smallGemm(&p)
		return
	}
	run(kern, &p)
}

func checkTranspose(t blas.Transpose) bool {
	switch t {
	case blas.NoTrans:
		return false
	case blas.Trans, blas.ConjTrans:
		return true
	}
	panic(badTranspose)
}

// scaleC sets C = beta*C, writing zeros without reading C when beta is 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// problem is one validated GEMM (or a rectangular piece of one: a worker
// gets a problem whose a/b/c slices start at its block).
type problem struct {
	aTrans, bTrans bool
	m, n, k        int
	alpha, beta    float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int
	serial         bool // never shared across cores
}

// smallWork is the m·n·k up to which Sgemm multiplies directly without
// packing. Measured on the development machine (CPU time, one core): at
// 4³ the direct loop is slightly faster (1.5 vs 1.1 GFLOP/s), at 8³ the
// packed path already wins (5.1 vs 2.5 with AVX2, 2.7 vs 2.5 with the Go
// kernel). A variable only so that tests can push every shape through
// either path.
var smallWork = 4 * 4 * 4

// directKernel is a sentinel that makes sgemm use smallGemm at any size; it
// lets tests and benchmarks exercise the direct path on its own.
var directKernel = &kernel{name: "direct"}

// smallGemm computes a small product directly. The loops are ordered so
// that the innermost one walks C and the non-transposed operand with unit
// stride.
func smallGemm(p *problem) {
	m, n, k := p.m, p.n, p.k
	a, b, c := p.a, p.b, p.c
	lda, ldb, ldc := p.lda, p.ldb, p.ldc
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if !p.bTrans {
			// C[i,:] = beta*C[i,:] + alpha * Σ_l A[i,l]·B[l,:]
			scaleRow(ci, p.beta)
			for l := 0; l < k; l++ {
				var ail float32
				if p.aTrans {
					ail = a[l*lda+i]
				} else {
					ail = a[i*lda+l]
				}
				ail *= p.alpha
				bl := b[l*ldb : l*ldb+n]
				for j, v := range bl {
					ci[j] += ail * v
				}
			}
			continue
		}
		// B transposed: each C[i,j] is a dot product of A's row (or
		// column) i with row j of b.
		for j := range ci {
			bj := b[j*ldb : j*ldb+k]
			var s float32
			if p.aTrans {
				for l, v := range bj {
					s += a[l*lda+i] * v
				}
			} else {
				ai := a[i*lda : i*lda+k]
				for l, v := range bj {
					s += ai[l] * v
				}
			}
			if p.beta == 0 {
				ci[j] = p.alpha * s
			} else {
				ci[j] = p.alpha*s + p.beta*ci[j]
			}
		}
	}
}

// gemv computes a product with m == 1 or n == 1 with gonum's Sgemv, whose
// dot and axpy loops are assembly. Vectors are sliced to their exact
// extent: gonum's Sgemv with beta == 0 may clear all of y.
func gemv(p *problem) {
	impl := gonum.Implementation{}
	m, n, k := p.m, p.n, p.k
	if n == 1 {
		// C[:,0] = alpha·op(A)·x + beta·C[:,0], x = op(B)[:,0].
		x, incX := p.b[:k], 1
		if !p.bTrans {
			x, incX = p.b[:(k-1)*p.ldb+1], p.ldb
		}
		y := p.c[:(m-1)*p.ldc+1]
		if p.aTrans {
			impl.Sgemv(blas.Trans, k, m, p.alpha, p.a, p.lda, x, incX, p.beta, y, p.ldc)
		} else {
			impl.Sgemv(blas.NoTrans, m, k, p.alpha, p.a, p.lda, x, incX, p.beta, y, p.ldc)
		}
		return
	}
	// m == 1: C[0,:]ᵀ = alpha·op(B)ᵀ·x + beta·C[0,:]ᵀ, x = op(A)[0,:]ᵀ.
	x, incX := p.a[:k], 1
	if p.aTrans {
		x, incX = p.a[:(k-1)*p.lda+1], p.lda
	}
	y := p.c[:n]
	if p.bTrans {
		impl.Sgemv(blas.NoTrans, n, k, p.alpha, p.b, p.ldb, x, incX, p.beta, y, 1)
	} else {
		impl.Sgemv(blas.Trans, k, n, p.alpha, p.b, p.ldb, x, incX, p.beta, y, 1)
	}
}

func scaleRow(r []float32, beta float32) {
	switch beta {
	case 1:
	case 0:
		clear(r)
	default:
		for j := range r {
			r[j] *= beta
		}
	}
}
