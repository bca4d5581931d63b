package graphs

import G "gorgonia.org/gorgonia"

// BCEWithLogits returns the elementwise binary cross-entropy of logits x
// against targets t: −t·log σ(x) − (1−t)·log(1−σ(x)), written as
// softplus(x) − t·x so that it neither overflows nor loses precision for
// large |x| (Gorgonia's BinaryXent computes log σ(x) and does both).
func (b *Builder) BCEWithLogits(x, t *G.Node) *G.Node {
	return b.Sub(b.Softplus(x), b.Mul(t, x))
}

// BCEWithLogitsConst is [Builder.BCEWithLogits] against the same target for
// every element; 1 and 0 reduce to softplus(−x) and softplus(x).
func (b *Builder) BCEWithLogitsConst(x *G.Node, target float64) *G.Node {
	switch target {
	case 1:
		return b.Softplus(b.Neg(x))
	case 0:
		return b.Softplus(x)
	}
	return b.Sub(b.Softplus(x), b.Scale(x, target))
}
