package graphs

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// blockOp is nearest-neighbour upsampling of NCHW maps (each pixel
// repeated into a scale×scale block) or, with sum set, its adjoint: each
// block summed back into one pixel, which is upsampling's gradient. Each
// is the other's gradient, both being linear. Gorgonia's Upsample2D reads
// and writes every element through interface-boxed At/SetAt calls: in a
// conv VAE step (batch 128) it made 13 million allocations and 40% of the
// time; these loops make none.
type blockOp struct {
	scale int
	sum   bool
	out   *outBuffer // reused from run to run, as matMulOp does
}

func blockApply(x *G.Node, scale int, sum bool) (*G.Node, error) {
	op := blockOp{scale: scale, sum: sum, out: &outBuffer{}}
	if _, err := op.InferShape(x.Shape()); err != nil {
		return nil, err
	}
	return G.ApplyOp(op, x)
}

func (op blockOp) Arity() int { return 1 }

func (op blockOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}

func (op blockOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, fmt.Errorf("%v takes 1 input, got %d", op, len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok || len(s) != 4 || op.scale < 1 {
		return nil, fmt.Errorf("%v needs [batch, c, h, w] and a positive scale, got %v", op, ds[0])
	}
	if !op.sum {
		return tensor.Shape{s[0], s[1], s[2] * op.scale, s[3] * op.scale}, nil
	}
	if s[2]%op.scale != 0 || s[3]%op.scale != 0 {
		return nil, fmt.Errorf("%v: %d×%d maps are not whole blocks", op, s[2], s[3])
	}
	return tensor.Shape{s[0], s[1], s[2] / op.scale, s[3] / op.scale}, nil
}

func (op blockOp) Do(vals ...G.Value) (G.Value, error) {
	x, err := op.operand(vals)
	if err != nil {
		return nil, err
	}
	shape, err := op.InferShape(x.Shape())
	if err != nil {
		return nil, err
	}
	out := op.out.t
	if out == nil || out.Dtype() != x.Dtype() || !out.Shape().Eq(shape) {
		out = tensor.New(tensor.WithShape(shape...), tensor.Of(x.Dtype()))
		op.out.t = out
	}
	return op.compute(out, x)
}

func (op blockOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	x, err := op.operand(vals)
	if err != nil {
		return nil, err
	}
	out, ok := prealloc.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%v: preallocated value is %T", op, prealloc)
	}
	return op.compute(out, x)
}

func (op blockOp) operand(vals []G.Value) (*tensor.Dense, error) {
	if len(vals) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(vals))
	}
	x, ok := vals[0].(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%v: input is %T, want a dense tensor", op, vals[0])
	}
	if x.IsMaterializable() {
		x = x.Materialize().(*tensor.Dense)
	}
	return x, nil
}

func (op blockOp) compute(out, x *tensor.Dense) (*tensor.Dense, error) {
	s := x.Shape()
	planes, h, w := s[0]*s[1], s[2], s[3]
	switch xd := x.Data().(type) {
	case []float32:
		od, ok := out.Data().([]float32)
		if !ok {
			return nil, fmt.Errorf("%v: output is %v, input float32", op, out.Dtype())
		}
		if op.sum {
			blockSum(od, xd, planes, h/op.scale, w/op.scale, op.scale)
		} else {
			blockRepeat(od, xd, planes, h, w, op.scale)
		}
	case []float64:
		od, ok := out.Data().([]float64)
		if !ok {
			return nil, fmt.Errorf("%v: output is %v, input float64", op, out.Dtype())
		}
		if op.sum {
			blockSum(od, xd, planes, h/op.scale, w/op.scale, op.scale)
		} else {
			blockRepeat(od, xd, planes, h, w, op.scale)
		}
	default:
		return nil, fmt.Errorf("%v: unsupported type %v", op, x.Dtype())
	}
	return out, nil
}

// blockRepeat writes src (planes maps of h×w) into dst with each pixel
// repeated into an s×s block.
func blockRepeat[T float32 | float64](dst, src []T, planes, h, w, s int) {
	ow := w * s
	for row := range planes * h {
		first := dst[row*s*ow : (row*s+1)*ow]
		for j, v := range src[row*w : (row+1)*w] {
			for k := range s {
				first[j*s+k] = v
			}
		}
		for r := 1; r < s; r++ {
			copy(dst[(row*s+r)*ow:(row*s+r+1)*ow], first)
		}
	}
}

// blockSum writes into dst (planes maps of h×w) the sum of each s×s block
// of src.
func blockSum[T float32 | float64](dst, src []T, planes, h, w, s int) {
	iw := w * s
	clear(dst[:planes*h*w])
	for row := range planes * h {
		out := dst[row*w : (row+1)*w]
		for r := range s {
			in := src[(row*s+r)*iw : (row*s+r+1)*iw]
			for j := range out {
				for k := range s {
					out[j] += in[j*s+k]
				}
			}
		}
	}
}

func (op blockOp) ReturnsPtr() bool     { return false }
func (op blockOp) CallsExtern() bool    { return false }
func (op blockOp) OverwritesInput() int { return -1 }

func (op blockOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }

func (op blockOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

func (op blockOp) String() string {
	if op.sum {
		return fmt.Sprintf("BlockSum%d", op.scale)
	}
	return fmt.Sprintf("Upsample%d", op.scale)
}

func (op blockOp) DiffWRT(int) []bool { return []bool{true} }

func (op blockOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(inputs))
	}
	d, err := blockApply(grad, op.scale, !op.sum)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d}, nil
}
