package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// rowSumOp sums each row of a matrix, [rows, cols] → [rows], into a buffer
// kept from run to run; its gradient spreads each row's upstream gradient
// over the row's columns, into a kept buffer too. [Builder.Sum] uses it
// for Sum(x, 1) of a matrix: a VAE's per-image reconstruction loss sums a
// [128, 784] BCE, and Gorgonia's sum gradient Repeats the upstream
// gradient into a freshly allocated [128, 784] tensor on every step.
type rowSumOp struct {
	grad bool // (x, dy) → dy[i] in every column of row i
	out  *outBuffer
}

// RowSum returns the sums of the rows of a matrix x, [rows, cols] → [rows].
func RowSum(x *G.Node) (*G.Node, error) { return G.ApplyOp(rowSumOp{out: &outBuffer{}}, x) }

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
	in, err := denseInputs(op, op.Arity(), vals)
	if err != nil {
		return nil, err
	}
	shapes := make([]G.DimSizer, op.Arity())
	for i := range shapes {
		shapes[i] = in[i].Shape()
	}
	s, err := op.InferShape(shapes...)
	if err != nil {
		return nil, err
	}
	out := op.out.take(in[0].Dtype(), s...)
	cols := in[0].Shape()[1]
	switch od := out.Data().(type) {
	case []float32:
		rowSum(op, od, in, cols)
	case []float64:
		rowSum(op, od, in, cols)
	default:
		return nil, fmt.Errorf("%v: unsupported type %v", op, out.Dtype())
	}
	return out, nil
}

func rowSum[T float32 | float64](op rowSumOp, dst []T, in [3]*tensor.Dense, cols int) {
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

func (op rowSumOp) ReturnsPtr() bool      { return false }
func (op rowSumOp) CallsExtern() bool     { return false }
func (op rowSumOp) OverwritesInput() int  { return -1 }
func (op rowSumOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op rowSumOp) Hashcode() uint32      { return hashOf(op) }

func (op rowSumOp) String() string {
	if op.grad {
		return "RowSumGrad"
	}
	return "RowSum"
}

// DiffWRT: the sum is differentiable in its matrix; the gradient op is
// not differentiated again.
func (op rowSumOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	if inputs > 0 && !op.grad {
		d[0] = true
	}
	return d
}

// SymDiff: the gradient of row i's sum is dy[i] in each of its columns.
func (op rowSumOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, fmt.Errorf("%v: second derivatives are not supported", op)
	}
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(inputs))
	}
	dx, err := G.ApplyOp(rowSumOp{grad: true, out: &outBuffer{}}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
