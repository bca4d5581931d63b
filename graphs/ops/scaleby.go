package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ScaleBy returns γ·x for a scale γ of shape [1] and x of any shape.
func ScaleBy(gamma, x *G.Node) (*G.Node, error) {
	return G.ApplyOp(scaleByOp{dims: x.Dims(), out: &outBuffer{}}, gamma, x)
}

type scaleByOp struct {
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
	in, err := denseInputs(op, 2, vals)
	if err != nil {
		return nil, err
	}
	g, x := in[0], in[1]
	out := op.out.take(x.Dtype(), x.Shape()...)
	switch xd := x.Data().(type) {
	case []float32:
		scale(out.Data().([]float32), xd, g.Data().([]float32)[0])
	case []float64:
		scale(out.Data().([]float64), xd, g.Data().([]float64)[0])
	default:
		return nil, fmt.Errorf("%v: unsupported type %v", op, x.Dtype())
	}
	return out, nil
}

func scale[T float32 | float64](dst, src []T, c T) {
	for i, v := range src {
		dst[i] = c * v
	}
}

func (op scaleByOp) ReturnsPtr() bool      { return false }
func (op scaleByOp) CallsExtern() bool     { return false }
func (op scaleByOp) OverwritesInput() int  { return -1 }
func (op scaleByOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op scaleByOp) Hashcode() uint32      { return hashOf(op) }
func (op scaleByOp) String() string        { return "ScaleBy" }
func (op scaleByOp) DiffWRT(int) []bool    { return []bool{true, true} }

func (op scaleByOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("%v: want 2 inputs, got %d", op, len(inputs))
	}
	gamma, x := inputs[0], inputs[1]
	dGamma, err := G.ApplyOp(sumOfProductsOp{dims: x.Dims(), out: &outBuffer{}}, grad, x)
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
	in, err := denseInputs(op, 2, vals)
	if err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	if !a.Shape().Eq(b.Shape()) {
		return nil, fmt.Errorf("%v: shapes %v and %v differ", op, a.Shape(), b.Shape())
	}
	out := op.out.take(a.Dtype(), 1)
	switch ad := a.Data().(type) {
	case []float32:
		out.Data().([]float32)[0] = float32(dot(ad, b.Data().([]float32)))
	case []float64:
		out.Data().([]float64)[0] = dot(ad, b.Data().([]float64))
	default:
		return nil, fmt.Errorf("%v: unsupported type %v", op, a.Dtype())
	}
	return out, nil
}

// dot sums in float64: the sum runs over a whole batch of feature maps
// (400 000 terms for 32 channels of 14×14 at batch 64), where a float32
// accumulator would lose the small terms.
func dot[T float32 | float64](a, b []T) float64 {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

func (op sumOfProductsOp) ReturnsPtr() bool      { return false }
func (op sumOfProductsOp) CallsExtern() bool     { return false }
func (op sumOfProductsOp) OverwritesInput() int  { return -1 }
func (op sumOfProductsOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op sumOfProductsOp) Hashcode() uint32      { return hashOf(op) }
func (op sumOfProductsOp) String() string        { return "SumOfProducts" }
