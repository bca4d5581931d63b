package ops

import (
	"fmt"
	"hash/fnv"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// take returns the kept output tensor with the given dtype and shape,
// allocating only on the first run or when the dtype or shape changed.
func (o *outBuffer) take(dt tensor.Dtype, shape ...int) *tensor.Dense {
	if t := o.t; t != nil && t.Dtype() == dt && t.Shape().Eq(tensor.Shape(shape)) {
		return t
	}
	o.t = tensor.New(tensor.WithShape(shape...), tensor.Of(dt))
	return o.t
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

func hashOf(op G.Op) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
