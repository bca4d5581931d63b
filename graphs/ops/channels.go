package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ConcatChannels joins feature maps a [batch, c1, h, w] and
// b [batch, c2, h, w] into [batch, c1+c2, h, w]: each image's maps of a,
// then its maps of b.
func ConcatChannels(a, b *G.Node) (*G.Node, error) {
	return G.ApplyOp(newChannelsOp(false, 0, 0), a, b)
}

// channelsOp is ConcatChannels or (take set) its gradient: channels
// [lo, hi) of each image's maps. Gorgonia's Concat allocates its result on
// every run, and its gradient is a strided view that every op after it
// copies into a fresh tensor.
type channelsOp struct {
	base
	take   bool
	lo, hi int
	out    *outBuffer
}

func newChannelsOp(take bool, lo, hi int) channelsOp {
	name := "ConcatChannels"
	if take {
		name = fmt.Sprintf("Channels[%d:%d]", lo, hi)
	}
	return channelsOp{base: base{name}, take: take, lo: lo, hi: hi, out: &outBuffer{}}
}

func (op channelsOp) Arity() int {
	if op.take {
		return 1
	}
	return 2
}

func (op channelsOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	if op.take {
		return hm.NewFnType(t, t)
	}
	return hm.NewFnType(t, t, t)
}

func (op channelsOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, fmt.Errorf("%v takes %d inputs, got %d", op, op.Arity(), len(ds))
	}
	shapes := make([]tensor.Shape, len(ds))
	for i, d := range ds {
		s, ok := d.(tensor.Shape)
		if !ok || len(s) != 4 {
			return nil, fmt.Errorf("%v: want maps [batch, c, h, w], got %v", op, d)
		}
		shapes[i] = s
	}
	return op.shape(shapes)
}

func (op channelsOp) shape(in []tensor.Shape) (tensor.Shape, error) {
	out := in[0].Clone()
	if op.take {
		if op.hi > out[1] {
			return nil, fmt.Errorf("%v: maps %v have %d channels", op, out, out[1])
		}
		out[1] = op.hi - op.lo
		return out, nil
	}
	a, b := in[0], in[1]
	if a[0] != b[0] || a[2] != b[2] || a[3] != b[3] {
		return nil, fmt.Errorf("%v: maps %v and %v differ in batch or size", op, a, b)
	}
	out[1] += b[1]
	return out, nil
}

func (op channelsOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, channelsDo[float32], channelsDo[float64])
}

func channelsDo[T float](op channelsOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	shapes := []tensor.Shape{in[0].Shape()}
	if !op.take {
		shapes = append(shapes, in[1].Shape())
	}
	for _, s := range shapes {
		if len(s) != 4 {
			return nil, fmt.Errorf("%v: want maps [batch, c, h, w], got %v", op, s)
		}
	}
	s, err := op.shape(shapes)
	if err != nil {
		return nil, err
	}
	out := op.out.take(in[0].Dtype(), s...)
	dst, hw := data[T](out), s[2]*s[3]
	if op.take {
		src, c := data[T](in[0]), shapes[0][1]
		for i := range s[0] {
			copy(dst[i*s[1]*hw:(i+1)*s[1]*hw], src[(i*c+op.lo)*hw:(i*c+op.hi)*hw])
		}
		return out, nil
	}
	a, b := data[T](in[0]), data[T](in[1])
	na, nb := shapes[0][1]*hw, shapes[1][1]*hw
	for i := range s[0] {
		at := copy(dst[i*(na+nb):], a[i*na:(i+1)*na])
		copy(dst[i*(na+nb)+at:], b[i*nb:(i+1)*nb])
	}
	return out, nil
}

func (op channelsOp) DiffWRT(inputs int) []bool {
	return diffAll(inputs, !op.take)
}

// SymDiff: each input's gradient is its channels of the upstream gradient.
func (op channelsOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if op.take || len(inputs) != 2 {
		return nil, fmt.Errorf("%v: only the concatenation is differentiable", op)
	}
	c1, c2 := inputs[0].Shape()[1], inputs[1].Shape()[1]
	da, err := G.ApplyOp(newChannelsOp(true, 0, c1), grad)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(newChannelsOp(true, c1, c1+c2), grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{da, db}, nil
}
