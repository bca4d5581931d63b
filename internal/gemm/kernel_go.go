package gemm

// goKernel is the portable micro-kernel: a 4×2 register tile in plain Go.
// Go's amd64 ABI leaves fifteen float registers; 8 accumulators plus the 6
// operands of a step fit, where a 4×4 tile (16 accumulators) spills to the
// stack on every step. Measured here, 4×2 ran about 1.5× faster than 4×4
// and slightly ahead of 2×4.
var goKernel = &kernel{
	name: "go",
	mr:   4, nr: 2,
	mc: 128, kc: 256, nc: 1024,
	tile: tileGo4x2,
}

func tileGo4x2(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c10, c11, c20, c21, c30, c31 float32
	a = a[:4*kc]
	b = b[:2*kc]
	// Advancing the slices (rather than indexing) lets the compiler drop
	// the bounds checks inside the loop.
	for len(a) >= 4 && len(b) >= 2 {
		b0, b1 := b[0], b[1]
		a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c10 += a1 * b0
		c11 += a1 * b1
		c20 += a2 * b0
		c21 += a2 * b1
		c30 += a3 * b0
		c31 += a3 * b1
		a = a[4:]
		b = b[2:]
	}
	storeRow2(c[0*ldc:], c00, c01, alpha, beta)
	storeRow2(c[1*ldc:], c10, c11, alpha, beta)
	storeRow2(c[2*ldc:], c20, c21, alpha, beta)
	storeRow2(c[3*ldc:], c30, c31, alpha, beta)
}

func storeRow2(c []float32, v0, v1, alpha, beta float32) {
	c = c[:2]
	if beta == 0 {
		c[0], c[1] = alpha*v0, alpha*v1
		return
	}
	c[0] = alpha*v0 + beta*c[0]
	c[1] = alpha*v1 + beta*c[1]
}
