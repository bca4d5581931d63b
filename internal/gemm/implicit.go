package gemm

// Panels is a B operand that is never stored as a matrix: the driver asks
// it for each packed micro-panel instead of packing one from memory. A
// convolution implements it to pack its panels straight from the image,
// with no im2col buffer between them (implicit GEMM).
type Panels interface {
	// Pack writes op(B)[pc:pc+kc, jc:jc+w] into dst as one micro-panel:
	// for each of the kc steps, the w values of that row of op(B)
	// followed by nr−w zeros (w ≤ nr).
	Pack(dst []float32, pc, jc, kc, w, nr int)
}

// Implicit reports whether [SgemmSerialPanels] can run with this build's
// kernel: not with an external library (OpenBLAS, gonum), which only
// multiplies stored matrices.
func Implicit() bool { return serialKernel.external == nil }

// PanelWidth is the width nr of the micro-panels that [Panels.Pack] is
// asked for, for callers that prepare per-panel tables.
func PanelWidth() int { return serialKernel.nr }

// SgemmSerialPanels computes C = A·B + beta·C on the calling goroutine,
// where A is the row-major m×k matrix a (row stride lda), B the k×n
// operand that b packs and C the row-major m×n matrix c (row stride ldc).
// With beta == 0, C is not read. It panics if [Implicit] is false or the
// slices are too short.
func SgemmSerialPanels(m, n, k int, a []float32, lda int, b Panels, beta float32, c []float32, ldc int) {
	if !Implicit() {
		panic("gemm: SgemmSerialPanels needs a packed kernel")
	}
	if m < 0 || n < 0 || k < 0 {
		panic("gemm: negative dimension")
	}
	if lda < max(1, k) {
		panic(badLdA)
	}
	if ldc < max(1, n) {
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return
	}
	if len(a) < (m-1)*lda+k {
		panic(shortA)
	}
	if len(c) < (m-1)*ldc+n {
		panic(shortC)
	}
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	p := problem{m: m, n: n, k: k, alpha: 1, beta: beta, a: a, lda: lda, c: c, ldc: ldc, serial: true, panels: b}
	buf := bufPool.Get().(*buffers)
	gemmSerial(serialKernel, &p, buf)
	bufPool.Put(buf)
}
