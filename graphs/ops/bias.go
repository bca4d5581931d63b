package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// biasOp adds a bias vector [out] to every row of x [n, out], and with sum
// set computes the bias's gradient instead: the column sums of the
// upstream gradient [n, out] → [out]. Gorgonia's broadcast add repeated
// the bias into a fresh [n, out] tensor on every run before adding, and
// its gradient's Sum returned a fresh tensor too; both ops keep their
// output from run to run.
type biasOp struct {
	base
	sum bool
	out *outBuffer
}

func newBiasOp(sum bool) biasOp {
	name := "AddBias"
	if sum {
		name = "SumRows"
	}
	return biasOp{base: base{name}, sum: sum, out: &outBuffer{}}
}

// AddBias adds the vector bias [out] to every row of x [n, out].
func AddBias(x, bias *G.Node) (*G.Node, error) {
	if x.Dims() != 2 || bias.Dims() != 1 || x.Shape()[1] != bias.Shape()[0] {
		return nil, fmt.Errorf("a bias [%d] needs rows of %d, got %v", bias.Shape()[0], bias.Shape()[0], x.Shape())
	}
	return G.ApplyOp(newBiasOp(false), x, bias)
}

func (op biasOp) Arity() int {
	if op.sum {
		return 1
	}
	return 2
}

func (op biasOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m, v := G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: 1, Of: a}
	if op.sum {
		return hm.NewFnType(m, v)
	}
	return hm.NewFnType(m, v, m)
}

func (op biasOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, fmt.Errorf("%v takes %d inputs, got %d", op, op.Arity(), len(ds))
	}
	sx, ok := ds[0].(tensor.Shape)
	if !ok || len(sx) != 2 {
		return nil, fmt.Errorf("%v needs a matrix, got %v", op, ds[0])
	}
	if op.sum {
		return tensor.Shape{sx[1]}, nil
	}
	sb, ok := ds[1].(tensor.Shape)
	if !ok || len(sb) != 1 || sb[0] != sx[1] {
		return nil, fmt.Errorf("%v: bias %v does not fit rows of %v", op, ds[1], sx)
	}
	return sx.Clone(), nil
}

func (op biasOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, biasDo[float32], biasDo[float64])
}

func biasDo[T float](op biasOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	x := in[0]
	s := x.Shape()
	if len(s) != 2 || (!op.sum && !in[1].Shape().Eq(tensor.Shape{s[1]})) {
		return nil, fmt.Errorf("%v: shapes %v and %v", op, s, in[1].Shape())
	}
	if op.sum {
		out := op.out.take(x.Dtype(), s[1])
		sumRows(data[T](out), data[T](x))
		return out, nil
	}
	out := op.out.take(x.Dtype(), s...)
	addRows(data[T](out), data[T](x), data[T](in[1]))
	return out, nil
}

func addRows[T float](dst, x, bias []T) {
	for lo := 0; lo < len(x); lo += len(bias) {
		d, r := dst[lo:lo+len(bias)], x[lo:lo+len(bias)]
		for j, b := range bias {
			d[j] = r[j] + b
		}
	}
}

// sumRows adds the rows in order, as Gorgonia's Sum along axis 0 did.
func sumRows[T float](dst, x []T) {
	clear(dst)
	for lo := 0; lo < len(x); lo += len(dst) {
		r := x[lo : lo+len(dst)]
		for j, v := range r {
			dst[j] += v
		}
	}
}

func (op biasOp) DiffWRT(inputs int) []bool {
	if op.sum {
		return []bool{false}
	}
	return []bool{true, true}
}

// SymDiff: x's gradient is the upstream gradient itself, the bias's the
// sum of its rows.
func (op biasOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if op.sum || len(inputs) != 2 {
		return nil, fmt.Errorf("%v: only the bias add is differentiable", op)
	}
	db, err := G.ApplyOp(newBiasOp(true), grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{grad, db}, nil
}
