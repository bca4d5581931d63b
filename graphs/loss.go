package graphs

import (
	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs/ops"
)

// BCEWithLogits returns the elementwise binary cross-entropy of logits x
// against targets t of the same shape: −t·log σ(x) − (1−t)·log(1−σ(x)),
// computed as max(x, 0) − t·x + log1p(exp(−|x|)) so that it neither
// overflows nor loses precision for large |x| (Gorgonia's BinaryXent
// computes log σ(x) and does both). One op with a kept output
// buffer; its gradient reaches both x and t.
func (b *Builder) BCEWithLogits(x, t *G.Node) *G.Node {
	if b.failed(x, t) {
		return nil
	}
	if x.IsScalar() || !x.Shape().Eq(t.Shape()) { // our op wants tensors of one shape
		return b.Sub(b.softplusG(x), b.Mul(t, x))
	}
	return b.keep("bce with logits")(ops.BCEWithLogits(x, t))
}

// BCEWithLogitsConst is [Builder.BCEWithLogits] against the same target for
// every element (0 gives softplus(x), 1 softplus(−x)).
func (b *Builder) BCEWithLogitsConst(x *G.Node, target float64) *G.Node {
	if b.failed(x) {
		return nil
	}
	if x.IsScalar() {
		switch target {
		case 1:
			return b.softplusG(b.Neg(x))
		case 0:
			return b.softplusG(x)
		}
		return b.Sub(b.softplusG(x), b.Scale(x, target))
	}
	return b.keep("bce with logits")(ops.BCEWithLogitsConst(x, target))
}
