package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/gorgozoo/gorgozoo/internal/parallel"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// elementwiseOp is the elementwise product x ⊙ y (Hadamard) or, with sum
// set, the sum x + y of two tensors of one shape. Gorgonia's HadamardProd
// and Add return a fresh tensor on every run, and so does each product in
// the product's gradient; dropout alone (x ⊙ mask forward, dy ⊙ mask
// backward, after every hidden layer of D) made that a few hundred
// kilobytes per GAN step, and a U-Net's residual connections add whole
// feature maps at every block. This op keeps its output from run to run.
// The product's gradients are again products, ∂L/∂x = d ⊙ y and
// ∂L/∂y = d ⊙ x; both of the sum's are the upstream gradient d itself, as
// Gorgonia's are.
type elementwiseOp struct {
	base
	sum  bool
	dims int
	out  *outBuffer
}

// Hadamard returns the elementwise product x ⊙ y of two nodes of one shape.
func Hadamard(x, y *G.Node) (*G.Node, error) { return elementwise(x, y, false) }

// Add returns the elementwise sum x + y of two nodes of one shape.
func Add(x, y *G.Node) (*G.Node, error) { return elementwise(x, y, true) }

func elementwise(x, y *G.Node, sum bool) (*G.Node, error) {
	name := "Hadamard"
	if sum {
		name = "Add"
	}
	return G.ApplyOp(elementwiseOp{base: base{name}, sum: sum, dims: x.Dims(), out: &outBuffer{}}, x, y)
}

func (op elementwiseOp) Arity() int { return 2 }

func (op elementwiseOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

func (op elementwiseOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, fmt.Errorf("%v takes 2 inputs, got %d", op, len(ds))
	}
	sx, ok1 := ds[0].(tensor.Shape)
	sy, ok2 := ds[1].(tensor.Shape)
	if !ok1 || !ok2 || !sx.Eq(sy) {
		return nil, fmt.Errorf("%v: shapes %v and %v differ", op, ds[0], ds[1])
	}
	return sx.Clone(), nil
}

func (op elementwiseOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, elementwiseDo[float32], elementwiseDo[float64])
}

func elementwiseDo[T float](op elementwiseOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	x, y := in[0], in[1]
	if !x.Shape().Eq(y.Shape()) {
		return nil, fmt.Errorf("%v: shapes %v and %v differ", op, x.Shape(), y.Shape())
	}
	out := op.out.take(x.Dtype(), x.Shape()...)
	dst, xs, ys := data[T](out), data[T](x), data[T](y)
	if !op.sum {
		multiply(dst, xs, ys)
		return out, nil
	}
	parallel.Pieces(len(xs), func(lo, hi int) { add(dst[lo:hi], xs[lo:hi], ys[lo:hi]) })
	return out, nil
}

func multiply[T float](dst, x, y []T) {
	y = y[:len(x)]
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = v * y[i]
	}
}

func add[T float](dst, x, y []T) {
	y = y[:len(x)]
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = v + y[i]
	}
}

func (op elementwiseOp) DiffWRT(int) []bool { return []bool{true, true} }

func (op elementwiseOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("%v: want 2 inputs, got %d", op, len(inputs))
	}
	if op.sum {
		return G.Nodes{grad, grad}, nil
	}
	dx, err := Hadamard(grad, inputs[1])
	if err != nil {
		return nil, err
	}
	dy, err := Hadamard(grad, inputs[0])
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dy}, nil
}
