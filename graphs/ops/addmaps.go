package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/gorgozoo/gorgozoo/internal/parallel"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// AddToMaps adds v [batch, c] to feature maps x [batch, c, h, w]: v[i, k]
// to every pixel of map k of image i.
func AddToMaps(x, v *G.Node) (*G.Node, error) {
	return G.ApplyOp(newAddToMapsOp(false), x, v)
}

// addToMapsOp is AddToMaps or (sum set) v's gradient: the sum of each map
// of the upstream gradient, [batch, c, h, w] → [batch, c]; x's gradient is
// the upstream gradient itself. Gorgonia would reshape v to
// [batch, c, 1, 1] and broadcast it, repeating it into a fresh tensor the
// size of x on every run, and its gradient's sum allocated too.
type addToMapsOp struct {
	base
	sum bool
	out *outBuffer
}

func newAddToMapsOp(sum bool) addToMapsOp {
	name := "AddToMaps"
	if sum {
		name = "SumMaps"
	}
	return addToMapsOp{base: base{name}, sum: sum, out: &outBuffer{}}
}

func (op addToMapsOp) Arity() int {
	if op.sum {
		return 1
	}
	return 2
}

func (op addToMapsOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m, v := G.TensorType{Dims: 4, Of: a}, G.TensorType{Dims: 2, Of: a}
	if op.sum {
		return hm.NewFnType(m, v)
	}
	return hm.NewFnType(m, v, m)
}

func (op addToMapsOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, fmt.Errorf("%v takes %d inputs, got %d", op, op.Arity(), len(ds))
	}
	sx, ok := ds[0].(tensor.Shape)
	if !ok || len(sx) != 4 {
		return nil, fmt.Errorf("%v: want maps [batch, c, h, w], got %v", op, ds[0])
	}
	if op.sum {
		return tensor.Shape{sx[0], sx[1]}, nil
	}
	if sv, ok := ds[1].(tensor.Shape); !ok || !sv.Eq(sx[:2]) {
		return nil, fmt.Errorf("%v: a vector %v does not fit maps %v", op, ds[1], sx)
	}
	return sx.Clone(), nil
}

func (op addToMapsOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, addToMapsDo[float32], addToMapsDo[float64])
}

func addToMapsDo[T float](op addToMapsOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	s := in[0].Shape()
	if len(s) != 4 || (!op.sum && !in[1].Shape().Eq(s[:2])) {
		return nil, fmt.Errorf("%v: bad input shapes %v", op, s)
	}
	planes, hw := s[0]*s[1], s[2]*s[3]
	x := data[T](in[0])
	if op.sum {
		out := op.out.take(in[0].Dtype(), s[0], s[1])
		dst := data[T](out)
		parallel.Blocks(planes, hw, func(lo, hi int) {
			for p := lo; p < hi; p++ {
				var sum float64
				for _, d := range x[p*hw : (p+1)*hw] {
					sum += float64(d)
				}
				dst[p] = T(sum)
			}
		})
		return out, nil
	}
	out := op.out.take(in[0].Dtype(), s...)
	dst, v := data[T](out), data[T](in[1])
	parallel.Blocks(planes, hw, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			ys := dst[p*hw : (p+1)*hw]
			for i, d := range x[p*hw : (p+1)*hw] {
				ys[i] = d + v[p]
			}
		}
	})
	return out, nil
}

func (op addToMapsOp) DiffWRT(inputs int) []bool {
	return diffAll(inputs, !op.sum)
}

func (op addToMapsOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if op.sum || len(inputs) != 2 {
		return nil, fmt.Errorf("%v: only the addition is differentiable", op)
	}
	dv, err := G.ApplyOp(newAddToMapsOp(true), grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{grad, dv}, nil
}
