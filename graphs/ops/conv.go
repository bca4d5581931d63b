package ops

import (
	"fmt"
	"runtime"

	"github.com/chewxy/hm"
	"github.com/gorgozoo/gorgozoo/internal/gemm"
	"github.com/gorgozoo/gorgozoo/internal/parallel"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convGeom is one convolution's shapes: input [n, c, h, w], weight
// [o, c, k, k], output [n, o, oh, ow].
type convGeom struct {
	n, c, h, w  int
	o, k        int
	stride, pad int
	oh, ow      int
}

func newConvGeom(xs, ws tensor.Shape, stride, pad int) convGeom {
	g := convGeom{n: xs[0], c: xs[1], h: xs[2], w: xs[3], o: ws[0], k: ws[2], stride: stride, pad: pad}
	g.oh = (g.h+2*pad-g.k)/stride + 1
	g.ow = (g.w+2*pad-g.k)/stride + 1
	return g
}

func (g convGeom) xShape() tensor.Shape { return tensor.Shape{g.n, g.c, g.h, g.w} }
func (g convGeom) wShape() tensor.Shape { return tensor.Shape{g.o, g.c, g.k, g.k} }
func (g convGeom) yShape() tensor.Shape { return tensor.Shape{g.n, g.o, g.oh, g.ow} }

// ckk is the length of one column of im2col's matrix (the weight's row).
func (g convGeom) ckk() int { return g.c * g.k * g.k }

// pix is the number of output pixels of one image and channel.
func (g convGeom) pix() int { return g.oh * g.ow }

// direct reports a convolution whose im2col matrix is the image itself
// (1×1, stride 1, no padding), so no column buffer is needed.
func (g convGeom) direct() bool { return g.k == 1 && g.stride == 1 && g.pad == 0 }

// convChunks is how many fixed pieces the batch is cut into. The weight
// gradient sums one partial per piece in piece order, so this number,
// and not the number of cores or how the scheduler hands out pieces,
// decides the rounding: a run gives the same bits on any machine. Eight
// pieces let two or four cores share the work evenly when one of them is
// slowed by other processes.
const convChunks = 8

func (g convGeom) chunks() int { return min(g.n, convChunks) }

// chunk returns the images [lo, hi) of piece j.
func (g convGeom) chunk(j int) (lo, hi int) {
	nc := g.chunks()
	return j * g.n / nc, (j + 1) * g.n / nc
}

// convDir says which of the four computations a convOp does.
type convDir int

const (
	convForward    convDir = iota // (x, w, bias) → y
	convInputGrad                 // (w, dy) → dx
	convWeightGrad                // (x, dy) → dW
	convBiasGrad                  // (dy) → dbias
)

func (d convDir) String() string {
	return [...]string{"Conv2d", "Conv2dInputGrad", "Conv2dWeightGrad", "Conv2dBiasGrad"}[d]
}

// convOp is a convolution over NCHW maps (Caffe's im2col + GEMM, one image
// at a time, so each product lands in NCHW order with no transpose), or
// one of its three gradients. The gradients are convOps too, made in
// SymDiff, so Gorgonia's Grad builds them like any other node.
type convOp struct {
	base
	dir convDir
	g   convGeom
	// inputGrad is false when the convolution's input is a plain fed
	// input: graphs differentiate only their bound parameters, so no
	// gradient of it can be asked for, and the tape machine would
	// otherwise compute the unused dx (col2im and a GEMM) every step.
	inputGrad bool
	// st holds this node's output and scratch buffers from run to run.
	st *convState
}

type convState struct {
	out  outBuffer
	work any // *convWork[float32] or *convWork[float64]
}

// newConvOp names everything that makes two convolutions of the same
// input nodes differ, so Gorgonia merges only truly identical nodes.
func newConvOp(dir convDir, g convGeom, inputGrad bool) convOp {
	name := fmt.Sprintf("%v(x%v, w%v, stride %d, pad %d)", dir, g.xShape(), g.wShape(), g.stride, g.pad)
	if dir == convForward && !inputGrad {
		name += " no dx"
	}
	return convOp{base: base{name}, dir: dir, g: g, inputGrad: inputGrad, st: &convState{}}
}

// Conv2d applies the convolution of x [n, c, h, w] with w [o, c, k, k] plus
// bias [o]. inputGrad says whether x's gradient may be needed.
func Conv2d(x, w, bias *G.Node, stride, pad int, inputGrad bool) (*G.Node, error) {
	op := newConvOp(convForward, newConvGeom(x.Shape(), w.Shape(), stride, pad), inputGrad)
	if _, err := op.InferShape(x.Shape(), w.Shape(), bias.Shape()); err != nil {
		return nil, err
	}
	return G.ApplyOp(op, x, w, bias)
}

func (op convOp) Arity() int {
	switch op.dir {
	case convForward:
		return 3
	case convBiasGrad:
		return 1
	}
	return 2
}

func (op convOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t4 := G.TensorType{Dims: 4, Of: a}
	switch op.dir {
	case convForward:
		return hm.NewFnType(t4, t4, G.TensorType{Dims: 1, Of: a}, t4)
	case convBiasGrad:
		return hm.NewFnType(t4, G.TensorType{Dims: 1, Of: a})
	}
	return hm.NewFnType(t4, t4, t4)
}

// inShapes returns the shapes the op takes, in order.
func (op convOp) inShapes() []tensor.Shape {
	g := op.g
	switch op.dir {
	case convForward:
		return []tensor.Shape{g.xShape(), g.wShape(), {g.o}}
	case convInputGrad:
		return []tensor.Shape{g.wShape(), g.yShape()}
	case convWeightGrad:
		return []tensor.Shape{g.xShape(), g.yShape()}
	}
	return []tensor.Shape{g.yShape()}
}

func (op convOp) outShape() tensor.Shape {
	g := op.g
	switch op.dir {
	case convForward:
		return g.yShape()
	case convInputGrad:
		return g.xShape()
	case convWeightGrad:
		return g.wShape()
	}
	return tensor.Shape{g.o}
}

func (op convOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	want := op.inShapes()
	if len(ds) != len(want) {
		return nil, fmt.Errorf("%v takes %d inputs, got %d", op, len(want), len(ds))
	}
	for i, d := range ds {
		s, ok := d.(tensor.Shape)
		if !ok || !s.Eq(want[i]) {
			return nil, fmt.Errorf("%v: input %d has shape %v, want %v", op, i, d, want[i])
		}
	}
	if op.g.oh < 1 || op.g.ow < 1 || op.g.stride < 1 || op.g.pad < 0 {
		return nil, fmt.Errorf("%v: no output", op)
	}
	return op.outShape(), nil
}

func (op convOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, convDo[float32], convDo[float64])
}

func convDo[T float](op convOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	for i, want := range op.inShapes() {
		if !in[i].Shape().Eq(want) {
			return nil, fmt.Errorf("%v: input %d has shape %v, want %v", op, i, in[i].Shape(), want)
		}
	}
	out := op.st.out.take(in[0].Dtype(), op.outShape()...)
	runConv(op, workFor[T](op), in, out)
	return out, nil
}

func (op convOp) DiffWRT(inputs int) []bool {
	if op.dir != convForward {
		return make([]bool, inputs) // no second derivatives
	}
	return []bool{op.inputGrad, true, true}
}

// SymDiff returns the gradient nodes of (x, w, bias) for the upstream
// gradient dy: dx = col2im(Wᵀ·dy_b) per image (or, the same for stride 1,
// dy convolved with the flipped weight), dW = Σ_b dy_b·col_bᵀ and dbias =
// dy summed over images and pixels.
func (op convOp) SymDiff(inputs G.Nodes, _, dy *G.Node) (G.Nodes, error) {
	if op.dir != convForward {
		return nil, fmt.Errorf("%v: second derivatives are not supported", op)
	}
	if len(inputs) != 3 {
		return nil, fmt.Errorf("%v: want 3 inputs, got %d", op, len(inputs))
	}
	x, w := inputs[0], inputs[1]
	var dx *G.Node
	var err error
	if op.inputGrad {
		if dx, err = G.ApplyOp(newConvOp(convInputGrad, op.g, false), w, dy); err != nil {
			return nil, err
		}
	}
	dw, err := G.ApplyOp(newConvOp(convWeightGrad, op.g, false), x, dy)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(newConvOp(convBiasGrad, op.g, false), dy)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw, db}, nil
}

// convWork is one node's scratch: a column buffer per worker, a weight
// gradient partial per chunk of the batch and the flipped weight of an
// input gradient computed as a convolution.
type convWork[T float] struct {
	cols  [][]T
	parts [][]T
	flip  []T
}

func workFor[T float](op convOp) *convWork[T] {
	if w, ok := op.st.work.(*convWork[T]); ok {
		return w
	}
	w := &convWork[T]{}
	op.st.work = w
	return w
}

// col returns worker i's column buffer.
func (w *convWork[T]) col(i, size int) []T {
	for len(w.cols) <= i {
		w.cols = append(w.cols, nil)
	}
	if len(w.cols[i]) != size {
		w.cols[i] = make([]T, size)
	}
	return w.cols[i]
}

// scatterInputGrad makes every input gradient take the col2im path, for
// tests and benchmarks that compare it with the flipped convolution.
var scatterInputGrad = false

// flipped reports whether the input gradient is computed as the
// convolution of dy with the flipped, transposed weight (stride 1) rather
// than as Wᵀ·dy scattered back by col2im. Both products do the same
// multiply-adds, but the flipped one has c rows and depth o·k·k where the
// scatter's has c·k·k rows and depth o: with fewer outputs than inputs
// (o = 1 for an image layer made Wᵀ·dy a rank-1 product) the flipped one
// keeps the GEMM's tiles full and needs no scatter; with as many or fewer
// it measured no faster, and an RGB first layer would leave most of each
// tile's rows empty.
func (g convGeom) flipped() bool {
	return g.stride == 1 && !g.direct() && g.pad <= g.k-1 && g.c > g.o && !scatterInputGrad
}

// flipGeom is the geometry of that convolution: dy [n, o, oh, ow] with a
// [c, o, k, k] weight, padding k−1−pad, gives dx [n, c, h, w].
func (g convGeom) flipGeom() convGeom {
	return convGeom{n: g.n, c: g.o, h: g.oh, w: g.ow, o: g.c, k: g.k, stride: 1, pad: g.k - 1 - g.pad, oh: g.h, ow: g.w}
}

// productGeom is the convolution whose forward product the op runs per
// image (the input gradient's flipped one), or g itself.
func (op convOp) productGeom() convGeom {
	if op.dir == convInputGrad && op.g.flipped() {
		return op.g.flipGeom()
	}
	return op.g
}

// prepare makes every buffer the workers will index before they start, so
// that they never grow a shared slice concurrently.
func (w *convWork[T]) prepare(op convOp, workers int) {
	g := op.g
	if pg := op.productGeom(); !g.direct() && op.dir != convBiasGrad {
		for i := range workers {
			w.col(i, pg.ckk()*pg.pix())
		}
	}
	if op.dir == convWeightGrad && g.chunks() > 1 {
		for len(w.parts) < g.chunks() {
			w.parts = append(w.parts, make([]T, g.o*g.ckk()))
		}
	}
	if op.dir == convInputGrad && g.flipped() && len(w.flip) != g.o*g.ckk() {
		w.flip = make([]T, g.o*g.ckk())
	}
}

// product computes y = W·col(x) + beta·y for one image x [c, h, w] of a
// convolution of geometry g: W is [o, c·k·k], y [o, oh·ow].
func (w *convWork[T]) product(g convGeom, worker int, wt, x, y []T, beta T) {
	ckk, pix := g.ckk(), g.pix()
	col := x
	if !g.direct() {
		col = w.cols[worker]
		im2col(g, x, col)
	}
	gemmT(false, false, g.o, pix, ckk, wt, ckk, col, pix, beta, y, pix)
}

// flipWeight writes w [o, c, k, k] as [c, o, k, k] with each k×k kernel
// rotated by half a turn: the weight of the input gradient's convolution.
func flipWeight[T float](g convGeom, w, dst []T) {
	kk := g.k * g.k
	for o := range g.o {
		for ci := range g.c {
			src := w[(o*g.c+ci)*kk:][:kk]
			d := dst[(ci*g.o+o)*kk:][:kk]
			for i, v := range src {
				d[kk-1-i] = v
			}
		}
	}
}

func runConv[T float](op convOp, w *convWork[T], in [3]*tensor.Dense, out *tensor.Dense) {
	g := op.g
	dst := out.Data().([]T)
	if op.dir == convBiasGrad {
		biasGrad(g, in[0].Data().([]T), dst)
		return
	}
	a, b := in[0].Data().([]T), in[1].Data().([]T)
	workers := min(runtime.GOMAXPROCS(0), g.chunks())
	w.prepare(op, workers)
	ckk, pix := g.ckk(), g.pix()
	xSize, ySize := g.c*g.h*g.w, g.o*pix
	switch op.dir {
	case convForward:
		x, wt, bias := a, b, in[2].Data().([]T)
		parallel.For(g.chunks(), workers, func(worker, j int) {
			lo, hi := g.chunk(j)
			for i := lo; i < hi; i++ {
				yb := dst[i*ySize : (i+1)*ySize]
				for o, v := range bias {
					fill(yb[o*pix:(o+1)*pix], v)
				}
				w.product(g, worker, wt, x[i*xSize:(i+1)*xSize], yb, 1)
			}
		})
	case convInputGrad:
		wt, dy := a, b
		if g.flipped() {
			flipWeight(g, wt, w.flip)
			fg := g.flipGeom()
			parallel.For(g.chunks(), workers, func(worker, j int) {
				lo, hi := g.chunk(j)
				for i := lo; i < hi; i++ {
					w.product(fg, worker, w.flip, dy[i*ySize:(i+1)*ySize], dst[i*xSize:(i+1)*xSize], 0)
				}
			})
			return
		}
		parallel.For(g.chunks(), workers, func(worker, j int) {
			lo, hi := g.chunk(j)
			for i := lo; i < hi; i++ {
				dyb, dxb := dy[i*ySize:(i+1)*ySize], dst[i*xSize:(i+1)*xSize]
				if g.direct() {
					gemmT(true, false, ckk, pix, g.o, wt, ckk, dyb, pix, 0, dxb, pix)
					continue
				}
				col := w.cols[worker]
				gemmT(true, false, ckk, pix, g.o, wt, ckk, dyb, pix, 0, col, pix)
				col2im(g, col, dxb)
			}
		})
	case convWeightGrad:
		x, dy := a, b
		nc := g.chunks()
		parallel.For(nc, workers, func(worker, j int) {
			part := dst
			if nc > 1 {
				part = w.parts[j]
			}
			lo, hi := g.chunk(j)
			for i := lo; i < hi; i++ {
				xb, dyb := x[i*xSize:(i+1)*xSize], dy[i*ySize:(i+1)*ySize]
				col := xb
				if !g.direct() {
					col = w.cols[worker]
					im2col(g, xb, col)
				}
				beta := T(1)
				if i == lo {
					beta = 0
				}
				gemmT(false, true, g.o, ckk, pix, dyb, pix, col, pix, beta, part, ckk)
			}
		})
		if nc > 1 {
			copy(dst, w.parts[0])
			for _, p := range w.parts[1:nc] {
				for k, v := range p {
					dst[k] += v
				}
			}
		}
	}
}

// biasGrad sums dy [n, o, pix] over images and pixels, in a fixed order.
func biasGrad[T float](g convGeom, dy, db []T) {
	clear(db)
	pix := g.pix()
	for i := range g.n {
		for o := range g.o {
			var s T
			for _, v := range dy[(i*g.o+o)*pix : (i*g.o+o+1)*pix] {
				s += v
			}
			db[o] += s
		}
	}
}

func fill[T float](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}

// im2col writes image x [c, h, w] as the matrix col [c·k·k, oh·ow]: row
// (ci, kr, kc) holds, for every output pixel, the input value under that
// kernel position (0 in the padding).
func im2col[T float](g convGeom, x, col []T) {
	pix := g.pix()
	for ci := range g.c {
		xc := x[ci*g.h*g.w : (ci+1)*g.h*g.w]
		for kr := range g.k {
			ylo, yhi := validRange(kr, g.pad, g.stride, g.h, g.oh)
			for kc := range g.k {
				row := col[((ci*g.k+kr)*g.k+kc)*pix:][:pix]
				lo, hi := validRange(kc, g.pad, g.stride, g.w, g.ow)
				if ylo >= yhi || lo >= hi {
					clear(row)
					continue
				}
				if g.stride == 1 && g.ow == g.w {
					// The row is the channel shifted by one offset: one
					// copy, then zero the columns that wrapped around from
					// the neighbouring image row. With 14- or 28-pixel
					// rows, a copy per image row cost more than the GEMM.
					off := (kr-g.pad)*g.w + kc - g.pad
					s, e := ylo*g.w+lo, (yhi-1)*g.w+hi
					clear(row[:s])
					copy(row[s:e], xc[s+off:e+off])
					clear(row[e:])
					zeroEdges(row, g.ow, ylo, yhi, lo, hi)
					continue
				}
				clear(row[:ylo*g.ow])
				clear(row[yhi*g.ow:])
				for oy := ylo; oy < yhi; oy++ {
					r := row[oy*g.ow : (oy+1)*g.ow]
					clear(r[:lo])
					clear(r[hi:])
					src := xc[(oy*g.stride-g.pad+kr)*g.w:]
					if g.stride == 1 {
						copy(r[lo:hi], src[lo-g.pad+kc:])
						continue
					}
					for ox := lo; ox < hi; ox++ {
						r[ox] = src[ox*g.stride-g.pad+kc]
					}
				}
			}
		}
	}
}

// col2im is im2col's adjoint: it sums every entry of col [c·k·k, oh·ow]
// into the input pixel it was read from, overwriting dx [c, h, w]. It
// clobbers col.
func col2im[T float](g convGeom, col, dx []T) {
	clear(dx)
	pix := g.pix()
	for ci := range g.c {
		dc := dx[ci*g.h*g.w : (ci+1)*g.h*g.w]
		for kr := range g.k {
			ylo, yhi := validRange(kr, g.pad, g.stride, g.h, g.oh)
			for kc := range g.k {
				row := col[((ci*g.k+kr)*g.k+kc)*pix:][:pix]
				lo, hi := validRange(kc, g.pad, g.stride, g.w, g.ow)
				if ylo >= yhi || lo >= hi {
					continue
				}
				if g.stride == 1 && g.ow == g.w {
					// As in im2col: one sweep over the shifted channel,
					// after zeroing the entries that would wrap around.
					zeroEdges(row, g.ow, ylo, yhi, lo, hi)
					off := (kr-g.pad)*g.w + kc - g.pad
					s, e := ylo*g.w+lo, (yhi-1)*g.w+hi
					addTo(dc[s+off:e+off], row[s:e])
					continue
				}
				for oy := ylo; oy < yhi; oy++ {
					r := row[oy*g.ow : (oy+1)*g.ow]
					dst := dc[(oy*g.stride-g.pad+kr)*g.w:]
					if g.stride == 1 {
						d := dst[lo-g.pad+kc : hi-g.pad+kc]
						for j, v := range r[lo:hi] {
							d[j] += v
						}
						continue
					}
					for ox := lo; ox < hi; ox++ {
						dst[ox*g.stride-g.pad+kc] += r[ox]
					}
				}
			}
		}
	}
}

// addTo adds src to dst, with gonum's assembly axpy for float32 (Go does
// not vectorise the loop).
func addTo[T float](dst, src []T) {
	if d, ok := any(dst).([]float32); ok {
		gonum.Implementation{}.Saxpy(len(d), 1, any(src).([]float32), 1, d, 1)
		return
	}
	for j, v := range src {
		dst[j] += v
	}
}

// zeroEdges zeroes columns [0, lo) and [hi, ow) of rows [ylo, yhi) of the
// oh×ow map m.
func zeroEdges[T float](m []T, ow, ylo, yhi, lo, hi int) {
	if lo == 0 && hi == ow {
		return
	}
	// Usually one value a row (3×3, padding 1) over thousands of rows a
	// step: index the rows' ends directly rather than slicing each row.
	m = m[ylo*ow : yhi*ow]
	switch {
	case lo == 1 && hi == ow: // the left column only
		for i := 0; i < len(m); i += ow {
			m[i] = 0
		}
		return
	case lo == 0 && hi == ow-1: // the right column only
		for i := ow - 1; i < len(m); i += ow {
			m[i] = 0
		}
		return
	}
	for i := 0; i < len(m); i += ow {
		for j := i; j < i+lo; j++ {
			m[j] = 0
		}
		for j := i + hi; j < i+ow; j++ {
			m[j] = 0
		}
	}
}

// validRange returns the output columns [lo, hi) whose input column
// ox·stride − pad + kc lies inside [0, w) (or the rows, for a row kr).
func validRange(kc, pad, stride, w, ow int) (lo, hi int) {
	// ox·stride ≥ pad − kc
	if d := pad - kc; d > 0 {
		lo = (d + stride - 1) / stride
	}
	// ox·stride ≤ w − 1 + pad − kc
	hi = 0
	if d := w - 1 + pad - kc; d >= 0 {
		hi = d/stride + 1
	}
	hi = min(hi, ow)
	lo = min(lo, hi)
	return lo, hi
}

// gemmT computes C = op(A)·op(B) + beta·C on row-major slices: our SGEMM
// for float32, gonum's for float64 (used only by gradient checks).
func gemmT[T float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	switch a := any(a).(type) {
	case []float32:
		gemm.SgemmSerial(ta, tb, m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		gonum.Implementation{}.Dgemm(ta, tb, m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}
