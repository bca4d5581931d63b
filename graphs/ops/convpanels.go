package ops

import "math/bits"

// Implicit GEMM: the convolution's products take their B operand as
// packed micro-panels written straight from the NCHW image, so the
// im2col matrix is never stored. Each panel is nr output pixels (forward)
// or nr rows of the weight (weight gradient) wide, and the masks below
// say which of its values fall in the padding.

// imagePanels packs panels of the im2col matrix [c·k·k, oh·ow] of one
// image x [c, h, w]: step (ci, kr, kc), column = output pixel.
type imagePanels struct {
	g convGeom
	x []float32
	// Per-panel tables, kept to avoid allocating: for column j, the
	// input offset of its window's top-left corner and that corner's row
	// and column (which may lie in the padding); for kernel row kr (and
	// column kc), bit j set when that window row (column) is inside the
	// image.
	off, iy, ix  []int
	rowOK, colOK []uint64
}

func newImagePanels(g convGeom, nr int) *imagePanels {
	if nr > 64 {
		panic("ops: micro-panels wider than 64")
	}
	return &imagePanels{g: g, off: make([]int, nr), iy: make([]int, nr), ix: make([]int, nr),
		rowOK: make([]uint64, g.k), colOK: make([]uint64, g.k)}
}

// window fills the corner tables for the output pixels [jc, jc+w).
func (p *imagePanels) window(jc, w int) {
	g := p.g
	oy, ox := jc/g.ow, jc%g.ow
	for j := range w {
		p.iy[j], p.ix[j] = oy*g.stride-g.pad, ox*g.stride-g.pad
		p.off[j] = p.iy[j]*g.w + p.ix[j]
		if ox++; ox == g.ow {
			ox, oy = 0, oy+1
		}
	}
	for r := range g.k {
		var rows, cols uint64
		for j := range w {
			if y := p.iy[j] + r; y >= 0 && y < g.h {
				rows |= 1 << j
			}
			if x := p.ix[j] + r; x >= 0 && x < g.w {
				cols |= 1 << j
			}
		}
		p.rowOK[r], p.colOK[r] = rows, cols
	}
}

func (p *imagePanels) Pack(dst []float32, pc, jc, kc, w, nr int) {
	g := p.g
	p.window(jc, w)
	// With stride 1 and rows as wide as the image's, neighbouring pixels
	// read neighbouring inputs: a step is one contiguous run of the image
	// with the padding's entries zeroed.
	run := g.stride == 1 && g.ow == g.w
	all := uint64(1)<<w - 1
	hw, x, off0 := g.h*g.w, p.x, p.off[0]
	kk := g.k * g.k
	ci, kr, kcol := pc/kk, pc%kk/g.k, pc%g.k
	for l := range kc {
		d := dst[l*nr : l*nr+nr]
		m := p.rowOK[kr] & p.colOK[kcol]
		base := ci*hw + kr*g.w + kcol
		s := base + off0
		switch {
		case m == 0:
			clear(d)
		case run && s >= 0 && s+w <= len(x):
			if w == 16 && nr == 16 {
				copy16(d, x[s:])
			} else {
				copy(d, x[s:s+w])
				clear(d[w:])
			}
			for z := all &^ m; z != 0; z &= z - 1 {
				d[bits.TrailingZeros64(z)] = 0
			}
		case m == all:
			for j, o := range p.off[:w] {
				d[j] = x[base+o]
			}
			clear(d[w:])
		default:
			for j := range w {
				if m>>j&1 != 0 {
					d[j] = x[base+p.off[j]]
				} else {
					d[j] = 0
				}
			}
			clear(d[w:])
		}
		if kcol++; kcol == g.k {
			kcol = 0
			if kr++; kr == g.k {
				kr, ci = 0, ci+1
			}
		}
	}
}

// imagePanelsT packs panels of the transposed im2col matrix
// [oh·ow, c·k·k] of one image: step = output pixel, column (ci, kr, kc).
// The weight gradient dy·colᵀ takes its B operand this way.
type imagePanelsT struct {
	g convGeom
	x []float32
	// Per-panel tables: for column j, its kernel row and column and the
	// offset of its input from the window's top-left corner.
	kr, kc, off []int
}

func newImagePanelsT(g convGeom, nr int) *imagePanelsT {
	return &imagePanelsT{g: g, kr: make([]int, nr), kc: make([]int, nr), off: make([]int, nr)}
}

func (p *imagePanelsT) Pack(dst []float32, pc, jc, kc, w, nr int) {
	g := p.g
	kk, hw := g.k*g.k, g.h*g.w
	for j := range w {
		c := jc + j
		ci, r, col := c/kk, c%kk/g.k, c%g.k
		p.kr[j], p.kc[j] = r, col
		p.off[j] = ci*hw + r*g.w + col
	}
	x := p.x
	oy, ox := pc/g.ow, pc%g.ow
	for l := range kc {
		d := dst[l*nr : l*nr+nr]
		iy, ix := oy*g.stride-g.pad, ox*g.stride-g.pad
		corner := iy*g.w + ix
		if iy >= 0 && iy+g.k <= g.h && ix >= 0 && ix+g.k <= g.w {
			for j, o := range p.off[:w] {
				d[j] = x[corner+o]
			}
		} else {
			for j, o := range p.off[:w] {
				if y, xx := iy+p.kr[j], ix+p.kc[j]; y >= 0 && y < g.h && xx >= 0 && xx < g.w {
					d[j] = x[corner+o]
				} else {
					d[j] = 0
				}
			}
		}
		clear(d[w:])
		if ox++; ox == g.ow {
			ox, oy = 0, oy+1
		}
	}
}

// copy16 copies 16 values through registers: an array assignment between
// slices that may overlap compiles to a memmove call, which costs more
// than the copy itself.
func copy16(d, s []float32) {
	a := *(*[4]float32)(s[0:])
	b := *(*[4]float32)(s[4:])
	c := *(*[4]float32)(s[8:])
	e := *(*[4]float32)(s[12:16])
	*(*[4]float32)(d[0:]) = a
	*(*[4]float32)(d[4:]) = b
	*(*[4]float32)(d[8:]) = c
	*(*[4]float32)(d[12:16]) = e
}
