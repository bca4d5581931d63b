package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/gorgozoo/gorgozoo/internal/parallel"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// maxPoolOp is the maximum over each k×k window of [batch, c, h, w] maps,
// windows k apart, a ragged edge dropped (PyTorch's nn.MaxPool2d(k)). The
// forward op keeps, for every output, the offset of the input it took, in
// a buffer shared with its gradient op, which adds each upstream gradient
// to that input and nowhere else. Gorgonia's MaxPool2D allocated its
// output, its argmax and its gradient afresh every run (about 2 MB a step
// in the attention models, whose keys and values are pooled) and needed
// the graph-building lock. Ties go to the first maximum in row-major
// order, and a NaN wins its window, as in PyTorch.
type maxPoolOp struct {
	base
	k    int
	grad bool // (x, y, dy) → dx: x for its shape, y to run after the forward op
	out  *outBuffer
	arg  *poolArgmax
}

// MaxPool2d returns the maximum over each k×k window of x [batch, c, h, w],
// windows k apart; a ragged edge is dropped.
func MaxPool2d(x *G.Node, k int) (*G.Node, error) {
	return G.ApplyOp(newMaxPoolOp(k, false, &poolArgmax{}), x)
}

func newMaxPoolOp(k int, grad bool, arg *poolArgmax) maxPoolOp {
	name := fmt.Sprintf("MaxPool(%d)", k)
	if grad {
		name = fmt.Sprintf("MaxPoolGrad(%d)", k)
	}
	return maxPoolOp{base: base{name}, k: k, grad: grad, out: &outBuffer{}, arg: arg}
}

// poolArgmax holds, for each output of the last forward run, the offset
// of its input within the input plane.
type poolArgmax struct{ at []int32 }

func (op maxPoolOp) Arity() int {
	if op.grad {
		return 3
	}
	return 1
}

func (op maxPoolOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	if op.grad {
		return hm.NewFnType(t, t, t, t)
	}
	return hm.NewFnType(t, t)
}

func (op maxPoolOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, fmt.Errorf("%v takes %d inputs, got %d", op, op.Arity(), len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%v: input shape %v is not a tensor shape", op, ds[0])
	}
	pooled, err := op.pooled(s)
	switch {
	case err != nil:
		return nil, err
	case op.grad:
		return s.Clone(), nil
	}
	return pooled, nil
}

// pooled returns the shape of the pooling's output for an input of shape s.
func (op maxPoolOp) pooled(s tensor.Shape) (tensor.Shape, error) {
	if len(s) != 4 || s[2] < op.k || s[3] < op.k {
		return nil, fmt.Errorf("%v: input shape %v, want [batch, c, h, w] with h, w ≥ %d", op, s, op.k)
	}
	return tensor.Shape{s[0], s[1], s[2] / op.k, s[3] / op.k}, nil
}

func (op maxPoolOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, maxPoolDo[float32], maxPoolDo[float64])
}

func maxPoolDo[T float](op maxPoolOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	x := in[0]
	s := x.Shape()
	pooled, err := op.pooled(s)
	if err != nil {
		return nil, err
	}
	shape := pooled
	if op.grad {
		shape = s
		if !in[2].Shape().Eq(pooled) {
			return nil, fmt.Errorf("%v: gradient shape %v, want %v", op, in[2].Shape(), pooled)
		}
		if len(op.arg.at) != pooled.TotalSize() {
			return nil, fmt.Errorf("%v: no maxima kept for shape %v: the pooling did not run forward", op, pooled)
		}
	}
	out := op.out.take(x.Dtype(), shape...)
	if !op.grad {
		if n := pooled.TotalSize(); cap(op.arg.at) < n {
			op.arg.at = make([]int32, n)
		} else {
			op.arg.at = op.arg.at[:n]
		}
	}
	g := poolGeom{planes: s[0] * s[1], h: s[2], w: s[3], k: op.k}
	poolPlanes(op, g, data[T](x), data[T](out), data[T](in[2]))
	return out, nil
}

// poolGeom is the geometry of one pooling: planes maps of h×w, k×k windows.
type poolGeom struct{ planes, h, w, k int }

func (g poolGeom) oh() int { return g.h / g.k }
func (g poolGeom) ow() int { return g.w / g.k }

// poolPlanes runs the forward pooling (dst the outputs) or the gradient
// (dst the input gradient, dy the upstream one) over the cores, in runs of
// whole planes.
func poolPlanes[T float](op maxPoolOp, g poolGeom, x, dst, dy []T) {
	in, out := g.h*g.w, g.oh()*g.ow()
	parallel.Blocks(g.planes, in, func(lo, hi int) {
		at := op.arg.at[lo*out : hi*out]
		if op.grad {
			poolGrad(dst[lo*in:hi*in], dy[lo*out:hi*out], at, in, out)
			return
		}
		poolMax(g, x[lo*in:hi*in], dst[lo*out:hi*out], at)
	})
}

// poolMax writes each window's maximum to y and its offset in the plane
// to at.
func poolMax[T float](g poolGeom, x, y []T, at []int32) {
	oh, ow, in := g.oh(), g.ow(), g.h*g.w
	for p := range len(x) / in {
		plane := x[p*in : (p+1)*in]
		for oy := range oh {
			for ox := range ow {
				best := (oy*g.k)*g.w + ox*g.k
				for r := range g.k {
					row := (oy*g.k+r)*g.w + ox*g.k
					for c := range g.k {
						if v := plane[row+c]; v > plane[best] || (v != v && plane[best] == plane[best]) {
							best = row + c
						}
					}
				}
				o := p*oh*ow + oy*ow + ox
				y[o], at[o] = plane[best], int32(best)
			}
		}
	}
}

// poolGrad sets dx to zero but at each window's maximum, which gets its
// output's gradient.
func poolGrad[T float](dx, dy []T, at []int32, in, out int) {
	clear(dx)
	for o, g := range dy {
		dx[(o/out)*in+int(at[o])] += g
	}
}

// DiffWRT: the pooling is differentiable in its input; the gradient op is
// not differentiated again.
func (op maxPoolOp) DiffWRT(inputs int) []bool { return diffFirst(inputs, !op.grad) }

// SymDiff: dx is dy at each window's maximum and 0 elsewhere.
func (op maxPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, fmt.Errorf("%v: second derivatives are not supported", op)
	}
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(inputs))
	}
	dx, err := G.ApplyOp(newMaxPoolOp(op.k, true, op.arg), inputs[0], output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
