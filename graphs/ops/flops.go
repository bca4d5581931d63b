package ops

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// flopCounter is an op that knows the floating-point operations of one
// run, given its inputs' shapes.
type flopCounter interface {
	flops(in []tensor.Shape) int64
}

// FLOPs returns the floating-point operations of one run of node n's op,
// counting only the products, the bulk of a step: 2·m·n·k for each
// matrix product (a multiply and an add per term) and for each product
// of a batched one, and for a convolution the 2·m·n·k of its product as
// one GEMM (output pixels × output channels × c·k·k, per image), the same
// for its input and weight gradients, which are products of the same
// sizes. Everything else counts 0: the bias gradient's sums, activations,
// normalisation, softmax, losses, pooling, resampling and the optimiser's
// update, all linear in the values they touch where the products grow
// with the layers' widths. Nodes of Gorgonia's own ops (none of the
// zoo's products) count 0 too.
func FLOPs(n *G.Node) int64 {
	c, ok := n.Op().(flopCounter)
	if !ok {
		return 0
	}
	var in []tensor.Shape
	for it := n.Graph().From(n.ID()); it.Next(); { // the inputs, in order
		in = append(in, it.Node().(*G.Node).Shape())
	}
	return c.flops(in)
}

func (op matMulOp) flops(in []tensor.Shape) int64 {
	m, k, _, n := op.dims(in[0], in[1])
	return 2 * int64(m) * int64(n) * int64(k)
}

func (op batchedMatMulOp) flops(in []tensor.Shape) int64 {
	m, k, _, n := op.dims(in[0], in[1])
	return 2 * int64(in[0][0]) * int64(m) * int64(n) * int64(k)
}

func (op convOp) flops([]tensor.Shape) int64 {
	if op.dir == convBiasGrad {
		return 0
	}
	g := op.g
	return 2 * int64(g.n) * int64(g.o) * int64(g.pix()) * int64(g.ckk())
}
