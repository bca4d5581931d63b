package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/gorgozoo/gorgozoo/internal/parallel"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// resampleOp is nearest-neighbour upsampling of NCHW maps by an integer
// scale, or (sum set) its adjoint, which adds up each scale×scale block:
// the gradient of one is the other. Gorgonia's Upsample2D reads and writes
// every element through At/SetAt, allocating for each; on a DCGAN step it
// and its gradient took a third of the time.
type resampleOp struct {
	base
	scale int
	sum   bool
	out   *outBuffer
}

// Upsample repeats every pixel of x [batch, c, h, w] into a scale×scale
// block (nearest-neighbour upsampling).
func Upsample(x *G.Node, scale int) (*G.Node, error) { return resample(x, scale, false) }

func resample(x *G.Node, scale int, sum bool) (*G.Node, error) {
	name := fmt.Sprintf("Upsample(%d)", scale)
	if sum {
		name = fmt.Sprintf("BlockSum(%d)", scale)
	}
	return G.ApplyOp(resampleOp{base: base{name}, scale: scale, sum: sum, out: &outBuffer{}}, x)
}

func (op resampleOp) Arity() int { return 1 }

func (op resampleOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}

func (op resampleOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	s, ok := ds[0].(tensor.Shape)
	if len(ds) != 1 || !ok || len(s) != 4 {
		return nil, fmt.Errorf("%v takes one [batch, c, h, w] shape, got %v", op, ds)
	}
	if op.sum {
		if s[2]%op.scale != 0 || s[3]%op.scale != 0 {
			return nil, fmt.Errorf("%v: %v is not a multiple of the scale", op, s)
		}
		return tensor.Shape{s[0], s[1], s[2] / op.scale, s[3] / op.scale}, nil
	}
	return tensor.Shape{s[0], s[1], s[2] * op.scale, s[3] * op.scale}, nil
}

func (op resampleOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, resampleDo[float32], resampleDo[float64])
}

func resampleDo[T float](op resampleOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	x := in[0]
	shape, err := op.InferShape(x.Shape())
	if err != nil {
		return nil, err
	}
	out := op.out.take(x.Dtype(), shape...)
	s := x.Shape()
	resamplePlanes(data[T](x), data[T](out), s[0]*s[1], s[2], s[3], op.scale, op.sum)
	return out, nil
}

// resamplePlanes is resampleData over the cores, in runs of whole planes
// (each plane's result depends on that plane alone).
func resamplePlanes[T float](x, y []T, planes, h, w, scale int, sum bool) {
	in, out := h*w, h*w*scale*scale
	if sum {
		out = h * w / (scale * scale)
	}
	parallel.Blocks(planes, in, func(lo, hi int) {
		resampleData(x[lo*in:hi*in], y[lo*out:hi*out], hi-lo, h, w, scale, sum)
	})
}

// resampleData upsamples (or block-sums, when sum) maps planes of h×w
// values from x into y. Scale 2, the zoo's, has loops of its own: the
// general ones cost a loop per output value.
func resampleData[T float](x, y []T, planes, h, w, scale int, sum bool) {
	if scale == 2 {
		resample2(x, y, planes, h, w, sum)
		return
	}
	resampleAny(x, y, planes, h, w, scale, sum)
}

// resampleAny is resampleData for any scale.
func resampleAny[T float](x, y []T, planes, h, w, scale int, sum bool) {
	if !sum {
		ow := w * scale
		for p := range planes {
			src := x[p*h*w : (p+1)*h*w]
			dst := y[p*h*w*scale*scale : (p+1)*h*w*scale*scale]
			for r := range h {
				row := dst[r*scale*ow : r*scale*ow+ow]
				for c, v := range src[r*w : (r+1)*w] {
					for k := range scale {
						row[c*scale+k] = v
					}
				}
				for k := 1; k < scale; k++ {
					copy(dst[(r*scale+k)*ow:(r*scale+k+1)*ow], row)
				}
			}
		}
		return
	}
	oh, ow := h/scale, w/scale
	clear(y)
	for p := range planes {
		src := x[p*h*w : (p+1)*h*w]
		dst := y[p*oh*ow : (p+1)*oh*ow]
		for r := range h {
			out := dst[(r/scale)*ow : (r/scale+1)*ow]
			for c, v := range src[r*w : (r+1)*w] {
				out[c/scale] += v
			}
		}
	}
}

// resample2 is resampleData for scale 2, adding each 2×2 block in the
// general loop's order.
func resample2[T float](x, y []T, planes, h, w int, sum bool) {
	if !sum {
		ow := 2 * w
		for r := range planes * h {
			src := x[r*w : (r+1)*w]
			row := y[2*r*ow : (2*r+1)*ow]
			for c, v := range src {
				d := row[2*c : 2*c+2 : 2*c+2]
				d[0], d[1] = v, v
			}
			copy(y[(2*r+1)*ow:(2*r+2)*ow], row)
		}
		return
	}
	ow := w / 2
	for r := range planes * h / 2 {
		r0, r1 := x[2*r*w:(2*r+1)*w], x[(2*r+1)*w:(2*r+2)*w]
		out := y[r*ow : (r+1)*ow]
		for c := range out {
			a, b := r0[2*c:2*c+2:2*c+2], r1[2*c:2*c+2:2*c+2]
			out[c] = a[0] + a[1] + b[0] + b[1]
		}
	}
}

func (op resampleOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff: both operations are linear and each is the other's transpose.
func (op resampleOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(inputs))
	}
	d, err := resample(grad, op.scale, !op.sum)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d}, nil
}
