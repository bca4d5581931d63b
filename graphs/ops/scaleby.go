package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ScaleBy returns γ·x for a scale γ of shape [1] and x of any shape.
func ScaleBy(gamma, x *G.Node) (*G.Node, error) {
	return G.ApplyOp(scaleByOp{base: base{"ScaleBy"}, dims: x.Dims(), out: &outBuffer{}}, gamma, x)
}

type scaleByOp struct {
	base
	dims int // of x
	out  *outBuffer
}

func (op scaleByOp) Arity() int { return 2 }

func (op scaleByOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: op.dims, Of: a}
	return hm.NewFnType(G.TensorType{Dims: 1, Of: a}, t, t)
}

func (op scaleByOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, fmt.Errorf("%v takes 2 inputs, got %d", op, len(ds))
	}
	sg, ok1 := ds[0].(tensor.Shape)
	sx, ok2 := ds[1].(tensor.Shape)
	if !ok1 || !ok2 || !sg.Eq(tensor.Shape{1}) {
		return nil, fmt.Errorf("%v needs a [1] scale and a tensor, got %v and %v", op, ds[0], ds[1])
	}
	return sx.Clone(), nil
}

func (op scaleByOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, scaleByDo[float32], scaleByDo[float64])
}

func scaleByDo[T float](op scaleByOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	g, x := in[0], in[1]
	out := op.out.take(x.Dtype(), x.Shape()...)
	scale(data[T](out), data[T](x), data[T](g)[0])
	return out, nil
}

func scale[T float](dst, src []T, c T) {
	for i, v := range src {
		dst[i] = c * v
	}
}

func (op scaleByOp) DiffWRT(int) []bool { return []bool{true, true} }

func (op scaleByOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("%v: want 2 inputs, got %d", op, len(inputs))
	}
	gamma, x := inputs[0], inputs[1]
	dGamma, err := G.ApplyOp(sumOfProductsOp{base: base{"SumOfProducts"}, dims: x.Dims(), out: &outBuffer{}}, grad, x)
	if err != nil {
		return nil, err
	}
	dx, err := ScaleBy(gamma, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dGamma, dx}, nil
}

// sumOfProductsOp returns Σ a⊙b as a [1] tensor: the gradient of a [1]
// scale. Only backward passes use it, so it has no SymDiff.
type sumOfProductsOp struct {
	base
	dims int
	out  *outBuffer
}

func (op sumOfProductsOp) Arity() int { return 2 }

func (op sumOfProductsOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: op.dims, Of: a}
	return hm.NewFnType(t, t, G.TensorType{Dims: 1, Of: a})
}

func (op sumOfProductsOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, fmt.Errorf("%v takes 2 inputs, got %d", op, len(ds))
	}
	sa, ok1 := ds[0].(tensor.Shape)
	sb, ok2 := ds[1].(tensor.Shape)
	if !ok1 || !ok2 || !sa.Eq(sb) {
		return nil, fmt.Errorf("%v: shapes %v and %v differ", op, ds[0], ds[1])
	}
	return tensor.Shape{1}, nil
}

func (op sumOfProductsOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, sumOfProductsDo[float32], sumOfProductsDo[float64])
}

func sumOfProductsDo[T float](op sumOfProductsOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	a, b := in[0], in[1]
	if !a.Shape().Eq(b.Shape()) {
		return nil, fmt.Errorf("%v: shapes %v and %v differ", op, a.Shape(), b.Shape())
	}
	out := op.out.take(a.Dtype(), 1)
	data[T](out)[0] = T(dot(data[T](a), data[T](b)))
	return out, nil
}

// dot sums in float64: the sum runs over a whole batch of feature maps
// (400 000 terms for 32 channels of 14×14 at batch 64), where a float32
// accumulator would lose the small terms.
func dot[T float](a, b []T) float64 {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}
