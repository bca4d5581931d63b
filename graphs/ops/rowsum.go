package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// rowSumOp sums each row of a matrix, [rows, cols] → [rows], into a buffer
// kept from run to run; its gradient spreads each row's upstream gradient
// over the row's columns, into a kept buffer too. The graph builder uses
// it for the sum along axis 1 of a matrix: a VAE's per-image reconstruction loss sums a
// [128, 784] BCE, and Gorgonia's sum gradient Repeats the upstream
// gradient into a freshly allocated [128, 784] tensor on every step.
type rowSumOp struct {
	base
	grad bool // (x, dy) → dy[i] in every column of row i
	out  *outBuffer
}

// RowSum returns the sums of the rows of a matrix x, [rows, cols] → [rows].
func RowSum(x *G.Node) (*G.Node, error) { return G.ApplyOp(newRowSumOp(false), x) }

func newRowSumOp(grad bool) rowSumOp {
	name := "RowSum"
	if grad {
		name = "RowSumGrad"
	}
	return rowSumOp{base: base{name}, grad: grad, out: &outBuffer{}}
}

func (op rowSumOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}

func (op rowSumOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	v := G.TensorType{Dims: 1, Of: hm.TypeVariable('a')}
	if op.grad {
		return hm.NewFnType(m, v, m)
	}
	return hm.NewFnType(m, v)
}

func (op rowSumOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, fmt.Errorf("%v takes %d inputs, got %d", op, op.Arity(), len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok || len(s) != 2 {
		return nil, fmt.Errorf("%v: input shape %v, want a matrix", op, ds[0])
	}
	if !op.grad {
		return tensor.Shape{s[0]}, nil
	}
	if d, ok := ds[1].(tensor.Shape); !ok || len(d) != 1 || d[0] != s[0] {
		return nil, fmt.Errorf("%v: gradient shape %v for %d rows", op, ds[1], s[0])
	}
	return s.Clone(), nil
}

func (op rowSumOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, rowSumDo[float32], rowSumDo[float64])
}

func rowSumDo[T float](op rowSumOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	shapes := make([]G.DimSizer, op.Arity())
	for i := range shapes {
		shapes[i] = in[i].Shape()
	}
	s, err := op.InferShape(shapes...)
	if err != nil {
		return nil, err
	}
	out := op.out.take(in[0].Dtype(), s...)
	rowSum(op, data[T](out), in, in[0].Shape()[1])
	return out, nil
}

func rowSum[T float](op rowSumOp, dst []T, in [3]*tensor.Dense, cols int) {
	if op.grad {
		for i, g := range in[1].Data().([]T) {
			row := dst[i*cols : (i+1)*cols]
			for j := range row {
				row[j] = g
			}
		}
		return
	}
	x := in[0].Data().([]T)
	for i := range dst {
		var s T
		for _, v := range x[i*cols : (i+1)*cols] {
			s += v
		}
		dst[i] = s
	}
}

// DiffWRT: the sum is differentiable in its matrix; the gradient op is
// not differentiated again.
func (op rowSumOp) DiffWRT(inputs int) []bool { return diffFirst(inputs, !op.grad) }

// SymDiff: the gradient of row i's sum is dy[i] in each of its columns.
func (op rowSumOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, fmt.Errorf("%v: second derivatives are not supported", op)
	}
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(inputs))
	}
	dx, err := G.ApplyOp(newRowSumOp(true), inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
