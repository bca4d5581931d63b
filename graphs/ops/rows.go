package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// StackRows joins tensors along their first axis.
func StackRows(xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("stack rows: nothing to stack")
	}
	return G.ApplyOp(newRowsOp(rowsStack, len(xs), 0, 0, 0, xs[0].Dims()), xs...)
}

// Rows returns rows [lo, hi) of x along its first axis, as a tensor of its
// own (not a view: the ops after it need plain row-major data anyway).
func Rows(x *G.Node, lo, hi int) (*G.Node, error) {
	return G.ApplyOp(newRowsOp(rowsTake, 1, lo, hi, 0, x.Dims()), x)
}

type rowsKind uint8

const (
	rowsStack rowsKind = iota // n inputs → stacked along axis 0
	rowsTake                  // rows [lo, hi) of the input
	rowsPad                   // the input placed at rows [lo, hi) of zeros with total rows
)

// rowsOp moves whole rows (everything after the first axis) between
// tensors, into a buffer kept from run to run. The three kinds are each
// other's gradients: stacking's is taking each input's rows back,
// taking's is padding with zeros, padding's is taking.
type rowsOp struct {
	base
	kind          rowsKind
	n             int // inputs
	lo, hi, total int
	dims          int
	out           *outBuffer
}

func newRowsOp(kind rowsKind, n, lo, hi, total, dims int) rowsOp {
	var name string
	switch kind {
	case rowsStack:
		name = fmt.Sprintf("StackRows(%d)", n)
	case rowsTake:
		name = fmt.Sprintf("Rows[%d:%d]", lo, hi)
	case rowsPad:
		name = fmt.Sprintf("PadRows[%d:%d of %d]", lo, hi, total)
	}
	return rowsOp{base: base{name}, kind: kind, n: n, lo: lo, hi: hi, total: total, dims: dims, out: &outBuffer{}}
}

func (op rowsOp) Arity() int { return op.n }

func (op rowsOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	ts := make([]hm.Type, op.n+1)
	for i := range ts {
		ts[i] = t
	}
	return hm.NewFnType(ts...)
}

func (op rowsOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.n {
		return nil, fmt.Errorf("%v takes %d inputs, got %d", op, op.n, len(ds))
	}
	shapes := make([]tensor.Shape, len(ds))
	for i, d := range ds {
		s, ok := d.(tensor.Shape)
		if !ok || len(s) != op.dims || len(s) == 0 {
			return nil, fmt.Errorf("%v: input shape %v, want %d axes", op, d, op.dims)
		}
		shapes[i] = s
	}
	return op.shape(shapes)
}

func (op rowsOp) shape(in []tensor.Shape) (tensor.Shape, error) {
	out := in[0].Clone()
	switch op.kind {
	case rowsStack:
		for _, s := range in[1:] {
			if !s[1:].Eq(in[0][1:]) {
				return nil, fmt.Errorf("%v: shapes %v and %v differ after the first axis", op, in[0], s)
			}
			out[0] += s[0]
		}
	case rowsTake:
		if op.hi > in[0][0] {
			return nil, fmt.Errorf("%v: input has %d rows", op, in[0][0])
		}
		out[0] = op.hi - op.lo
	case rowsPad:
		if in[0][0] != op.hi-op.lo {
			return nil, fmt.Errorf("%v: input has %d rows, want %d", op, in[0][0], op.hi-op.lo)
		}
		out[0] = op.total
	}
	return out, nil
}

// Do takes any number of inputs, more than do and denseInputs handle, so
// it checks them itself.
func (op rowsOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != op.n {
		return nil, fmt.Errorf("%v: want %d inputs, got %d", op, op.n, len(vals))
	}
	in := make([]*tensor.Dense, len(vals))
	shapes := make([]tensor.Shape, len(vals))
	for i, v := range vals {
		ds, err := denseInputs(op, 1, []G.Value{v})
		if err != nil {
			return nil, err
		}
		if ds[0].Dtype() != vals[0].Dtype() {
			return nil, fmt.Errorf("%v: inputs are %v and %v", op, vals[0].Dtype(), ds[0].Dtype())
		}
		in[i], shapes[i] = ds[0], ds[0].Shape()
	}
	s, err := op.shape(shapes)
	if err != nil {
		return nil, err
	}
	out := op.out.take(in[0].Dtype(), s...)
	switch od := out.Data().(type) {
	case []float32:
		moveRows(op, od, in)
	case []float64:
		moveRows(op, od, in)
	default:
		return nil, fmt.Errorf("%v: unsupported type %v", op, out.Dtype())
	}
	return out, nil
}

func moveRows[T float](op rowsOp, dst []T, in []*tensor.Dense) {
	row := len(dst) / max(op.total, 1) // rowsPad only
	switch op.kind {
	case rowsStack:
		at := 0
		for _, t := range in {
			at += copy(dst[at:], t.Data().([]T))
		}
	case rowsTake:
		src := in[0].Data().([]T)
		row = len(src) / in[0].Shape()[0]
		copy(dst, src[op.lo*row:op.hi*row])
	case rowsPad:
		clear(dst)
		copy(dst[op.lo*row:op.hi*row], in[0].Data().([]T))
	}
}

func (op rowsOp) DiffWRT(inputs int) []bool {
	return diffAll(inputs, true)
}

func (op rowsOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.n {
		return nil, fmt.Errorf("%v: want %d inputs, got %d", op, op.n, len(inputs))
	}
	back := func(kind rowsKind, lo, hi, total int) (*G.Node, error) {
		return G.ApplyOp(newRowsOp(kind, 1, lo, hi, total, op.dims), grad)
	}
	switch op.kind {
	case rowsStack:
		grads := make(G.Nodes, len(inputs))
		lo := 0
		for i, x := range inputs {
			hi := lo + x.Shape()[0]
			g, err := back(rowsTake, lo, hi, 0)
			if err != nil {
				return nil, err
			}
			grads[i], lo = g, hi
		}
		return grads, nil
	case rowsTake:
		g, err := back(rowsPad, op.lo, op.hi, inputs[0].Shape()[0])
		return G.Nodes{g}, err
	}
	g, err := back(rowsTake, op.lo, op.hi, 0)
	return G.Nodes{g}, err
}
