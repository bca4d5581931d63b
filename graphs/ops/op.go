package ops

import (
	"fmt"
	"hash"
	"hash/fnv"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// base is embedded in every op and gives it the methods all ops share.
//
// name is the op's String and also all that Gorgonia hashes of it, with
// its input nodes, to find and merge identical nodes: two ops that
// compute different things must never share a name. Each op's constructor
// sets it from the fields that make the op what it is, so an op is made
// by its constructor and not changed afterwards.
type base struct{ name string }

func (b base) String() string { return b.name }

func (b base) WriteHash(h hash.Hash) { fmt.Fprint(h, b.name) }

func (b base) Hashcode() uint32 {
	h := fnv.New32a()
	b.WriteHash(h)
	return h.Sum32()
}

// No op returns a pointer into its inputs, calls outside Go, or writes to
// an input: each writes its own kept output.
func (base) ReturnsPtr() bool     { return false }
func (base) CallsExtern() bool    { return false }
func (base) OverwritesInput() int { return -1 }

// diffFirst is the DiffWRT of an op that is differentiable in its first
// input only (forward set) or in none: one entry for each of its inputs,
// as Gorgonia reads one for each.
func diffFirst(inputs int, forward bool) []bool {
	d := make([]bool, inputs)
	if inputs > 0 && forward {
		d[0] = true
	}
	return d
}

// diffAll is the DiffWRT of an op that is differentiable in all its
// inputs (forward set) or in none.
func diffAll(inputs int, forward bool) []bool {
	d := make([]bool, inputs)
	for i := range d {
		d[i] = forward
	}
	return d
}

// float is the element types the ops compute in: float32 for training
// and sampling, float64 for gradient checks.
type float interface{ float32 | float64 }

// outBuffer is an op's output, kept from run to run: Gorgonia's tape
// machine calls Do (not UsePreallocDo) for these ops and would otherwise
// get a fresh tensor for every node of every step, most of a step's
// allocated bytes. Each node has its own op value and a graph is run by
// one goroutine at a time, so reusing the buffer is safe.
type outBuffer struct{ t *tensor.Dense }

// take returns the kept output tensor with the given dtype and shape,
// allocating only on the first run or when the dtype or shape changed.
func (o *outBuffer) take(dt tensor.Dtype, shape ...int) *tensor.Dense {
	if t := o.t; t != nil && t.Dtype() == dt && t.Shape().Eq(tensor.Shape(shape)) {
		return t
	}
	o.t = tensor.New(tensor.WithShape(shape...), tensor.Of(dt))
	return o.t
}

// do is how an op's Do begins and dispatches: it checks and converts the
// inputs (see denseInputs) and calls the op's body for their element
// type, f32 or f64 (one generic function instantiated twice); any other
// type is an error. The body returns the op's output.
func do[O G.Op](op O, vals []G.Value, f32, f64 func(O, [3]*tensor.Dense) (*tensor.Dense, error)) (G.Value, error) {
	in, err := denseInputs(op, op.Arity(), vals)
	if err != nil {
		return nil, err
	}
	var out *tensor.Dense
	switch dt := in[0].Dtype(); dt {
	case tensor.Float32:
		out, err = f32(op, in)
	case tensor.Float64:
		out, err = f64(op, in)
	default:
		return nil, fmt.Errorf("%v: unsupported type %v", op, dt)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// denseInputs checks the arity (at most 3) and returns the inputs as
// row-major dense tensors of one dtype, materialising views.
func denseInputs(op fmt.Stringer, arity int, vals []G.Value) ([3]*tensor.Dense, error) {
	var ds [3]*tensor.Dense
	if len(vals) != arity || arity > len(ds) {
		return ds, fmt.Errorf("%v: want %d inputs, got %d", op, arity, len(vals))
	}
	for i, v := range vals {
		d, ok := v.(*tensor.Dense)
		if !ok {
			return ds, fmt.Errorf("%v: input %d is %T, want a dense tensor", op, i, v)
		}
		if d.IsMaterializable() { // a view: the loops need plain row-major data
			d = d.Materialize().(*tensor.Dense)
		}
		if i > 0 && d.Dtype() != ds[0].Dtype() {
			return ds, fmt.Errorf("%v: inputs are %v and %v", op, ds[0].Dtype(), d.Dtype())
		}
		ds[i] = d
	}
	return ds, nil
}

// data returns t's elements, or nil for a nil tensor.
func data[T float](t *tensor.Dense) []T {
	if t == nil {
		return nil
	}
	return t.Data().([]T)
}
