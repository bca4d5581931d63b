package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// hadamardOp is the elementwise product x ⊙ y of two tensors of one shape.
// Gorgonia's HadamardProd returns a fresh tensor on every run, and so does
// each product in its gradient; dropout alone (x ⊙ mask forward, dy ⊙ mask
// backward, after every hidden layer of D) made that a few hundred
// kilobytes per GAN step. This op keeps its output from run to run, and
// its gradients are again products of this op: ∂L/∂x = d ⊙ y, ∂L/∂y = d ⊙ x.
type hadamardOp struct {
	base
	dims int
	out  *outBuffer
}

// Hadamard returns the elementwise product x ⊙ y of two nodes of one shape.
func Hadamard(x, y *G.Node) (*G.Node, error) {
	return G.ApplyOp(hadamardOp{base: base{"Hadamard"}, dims: x.Dims(), out: &outBuffer{}}, x, y)
}

func (op hadamardOp) Arity() int { return 2 }

func (op hadamardOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

func (op hadamardOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
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

func (op hadamardOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, hadamardDo[float32], hadamardDo[float64])
}

func hadamardDo[T float](op hadamardOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	x, y := in[0], in[1]
	if !x.Shape().Eq(y.Shape()) {
		return nil, fmt.Errorf("%v: shapes %v and %v differ", op, x.Shape(), y.Shape())
	}
	out := op.out.take(x.Dtype(), x.Shape()...)
	multiply(data[T](out), data[T](x), data[T](y))
	return out, nil
}

func multiply[T float](dst, x, y []T) {
	y = y[:len(x)]
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = v * y[i]
	}
}

func (op hadamardOp) DiffWRT(int) []bool { return []bool{true, true} }

func (op hadamardOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("%v: want 2 inputs, got %d", op, len(inputs))
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
