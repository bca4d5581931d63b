package gemm

// Packed layouts. For op(A)'s block rows [ic, ic+mc) × depth [pc, pc+kc),
// dst holds ceil(mc/mr) micro-panels; panel q holds, for each depth step l,
// the mr values op(A)[ic+q·mr+r, pc+l] for r = 0..mr-1, zero-padded past
// the last row. op(B)'s block is packed the same way by columns: panel q
// holds, for each l, the nr values op(B)[pc+l, jc+q·nr+j]. The micro-kernel
// then reads both panels strictly sequentially.
//
// Packing touches every element of the packed operand once per use, and
// for the models' short products (m = 64) that is one pack per 64
// multiply-adds, so it has to run at several elements per nanosecond: the
// full-width cases below are specialised so that the compiler emits
// straight-line vector moves instead of a memmove call per step.

// packA packs op(A)[ic:ic+mc, pc:pc+kc].
func packA(p *problem, dst []float32, ic, pc, mc, kc, mr int) {
	for ir := 0; ir < mc; ir += mr {
		h := min(mr, mc-ir)
		panel := dst[ir*kc : ir*kc+kc*mr]
		if p.aTrans {
			// op(A)[i,l] = a[l*lda+i]: the values of one step are
			// contiguous in a.
			copySteps(panel, p.a[pc*p.lda+ic+ir:], p.lda, kc, h, mr)
		} else {
			// op(A)[i,l] = a[i*lda+l]: the panel is a transpose of h rows.
			transposeSteps(panel, p.a[(ic+ir)*p.lda+pc:], p.lda, kc, h, mr)
		}
	}
}

// packB packs op(B)[pc:pc+kc, jc:jc+nc].
func packB(p *problem, dst []float32, pc, jc, kc, nc, nr int) {
	for jr := 0; jr < nc; jr += nr {
		w := min(nr, nc-jr)
		panel := dst[jr*kc : jr*kc+kc*nr]
		if p.bTrans {
			// op(B)[l,j] = b[j*ldb+l]: a transpose of w rows of b.
			transposeSteps(panel, p.b[(jc+jr)*p.ldb+pc:], p.ldb, kc, w, nr)
		} else {
			copySteps(panel, p.b[pc*p.ldb+jc+jr:], p.ldb, kc, w, nr)
		}
	}
}

// copySteps fills panel (kc steps of width) from kc source runs of w ≤ width
// contiguous values, the runs ld apart, zero-padding each step.
func copySteps(panel, src []float32, ld, kc, w, width int) {
	if w == width {
		switch width {
		case 16:
			if copy16Fast != nil {
				copy16Fast(panel, src, ld, kc)
				return
			}
			for l := 0; l < kc; l++ {
				*(*[16]float32)(panel[l*16:]) = *(*[16]float32)(src[l*ld:])
			}
			return
		case 6:
			for l := 0; l < kc; l++ {
				*(*[6]float32)(panel[l*6:]) = *(*[6]float32)(src[l*ld:])
			}
			return
		case 4:
			for l := 0; l < kc; l++ {
				*(*[4]float32)(panel[l*4:]) = *(*[4]float32)(src[l*ld:])
			}
			return
		case 2:
			for l := 0; l < kc; l++ {
				*(*[2]float32)(panel[l*2:]) = *(*[2]float32)(src[l*ld:])
			}
			return
		}
	}
	for l := 0; l < kc; l++ {
		d := panel[l*width : l*width+width]
		copy(d, src[l*ld:l*ld+w])
		clear(d[w:])
	}
}

// transposeSteps fills panel (kc steps of width) from w ≤ width source rows
// of kc contiguous values, the rows ld apart: step l gets element l of
// every row, zero-padded. Writes are sequential; the w rows are read as w
// parallel streams, which the hardware prefetchers follow.
func transposeSteps(panel, src []float32, ld, kc, w, width int) {
	if w == width {
		switch width {
		case 16:
			transpose16(panel, src, ld, kc)
			return
		case 6:
			r0, r1, r2 := src[:kc], src[ld:][:kc], src[2*ld:][:kc]
			r3, r4, r5 := src[3*ld:][:kc], src[4*ld:][:kc], src[5*ld:][:kc]
			for l := range r0 {
				d := (*[6]float32)(panel[l*6:])
				d[0], d[1], d[2], d[3], d[4], d[5] = r0[l], r1[l], r2[l], r3[l], r4[l], r5[l]
			}
			return
		case 4:
			r0, r1, r2, r3 := src[:kc], src[ld:][:kc], src[2*ld:][:kc], src[3*ld:][:kc]
			for l := range r0 {
				d := (*[4]float32)(panel[l*4:])
				d[0], d[1], d[2], d[3] = r0[l], r1[l], r2[l], r3[l]
			}
			return
		case 2:
			r0, r1 := src[:kc], src[ld:][:kc]
			for l := range r0 {
				d := (*[2]float32)(panel[l*2:])
				d[0], d[1] = r0[l], r1[l]
			}
			return
		}
	}
	if w < width {
		clear(panel[:kc*width])
	}
	for j := 0; j < w; j++ {
		row := src[j*ld : j*ld+kc]
		for l, v := range row {
			panel[l*width+j] = v
		}
	}
}

// copy16Fast, when set (AVX2), is copySteps for a full 16-wide panel with
// 32-byte moves; the backward pass (dY·W) packs W this way.
var copy16Fast func(panel, src []float32, ld, kc int)

// transpose16Fast, when set (AVX2), packs the first k8 steps (a multiple
// of 8) of a full 16-wide transposed panel with 8×8 SIMD transposes. The
// forward pass of every Linear layer (X·Wᵀ) packs Wᵀ this way, and the
// scalar loop below managed only about 2.5 values per nanosecond.
var transpose16Fast func(panel, src []float32, ld, k8 int)

// transpose16 is transposeSteps for a full 16-wide panel, in two halves of
// 8 rows so that the row slices stay in registers.
func transpose16(panel, src []float32, ld, kc int) {
	l0 := 0
	if transpose16Fast != nil && kc >= 8 {
		l0 = kc &^ 7
		transpose16Fast(panel, src, ld, l0)
	}
	for h := 0; h < 16; h += 8 {
		s := src[h*ld:]
		r0, r1, r2, r3 := s[:kc], s[ld:][:kc], s[2*ld:][:kc], s[3*ld:][:kc]
		r4, r5, r6, r7 := s[4*ld:][:kc], s[5*ld:][:kc], s[6*ld:][:kc], s[7*ld:][:kc]
		for l := l0; l < kc; l++ {
			d := (*[8]float32)(panel[l*16+h:])
			d[0], d[1], d[2], d[3] = r0[l], r1[l], r2[l], r3[l]
			d[4], d[5], d[6], d[7] = r4[l], r5[l], r6[l], r7[l]
		}
	}
}
