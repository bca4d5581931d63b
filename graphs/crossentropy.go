package graphs

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// LogSoftmax returns log softmax of each row of x [rows, classes]:
// x − m − log Σ exp(x − m) with m the row's maximum, so exp never sees a
// positive argument and cannot overflow, and the largest class's log
// probability is computed without cancellation.
//
// Gorgonia's own SoftMax and LogSoftMax hash alike, so the two applied to
// one node are merged into one (whichever was built first); building the
// log-softmax from primitives avoids that trap. The gradient that flows
// into m is zero (the result does not depend on the shift), so m needs no
// stop-gradient.
func (b *Builder) LogSoftmax(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	if x.Dims() != 2 {
		b.Fail("log softmax", fmt.Errorf("want [rows, classes], got %v", x.Shape()))
		return nil
	}
	m := b.keep("log softmax: row max")(G.Max(x, 1))
	shifted := b.subCol(x, m)
	lse := b.keep("log softmax: log")(G.Log(b.Sum(b.Exp(shifted), 1)))
	return b.subCol(shifted, lse)
}

// CrossEntropyWithLogits returns, for each row of logits [rows, classes],
// the cross-entropy −Σ_c t_c·log softmax(logits)_c against the matching row
// of targets (one-hot labels, or any distribution), as a [rows] vector.
func (b *Builder) CrossEntropyWithLogits(logits, targets *G.Node) *G.Node {
	if b.failed(logits, targets) {
		return nil
	}
	if !logits.Shape().Eq(targets.Shape()) {
		b.Fail("cross-entropy", fmt.Errorf("logits %v and targets %v differ in shape", logits.Shape(), targets.Shape()))
		return nil
	}
	return b.Neg(b.Sum(b.Mul(targets, b.LogSoftmax(logits)), 1))
}

// subCol subtracts v [rows] from every column of x [rows, cols].
func (b *Builder) subCol(x, v *G.Node) *G.Node {
	if b.failed(x, v) {
		return nil
	}
	return b.keep("subtract column")(G.BroadcastSub(x, v, nil, []byte{1}))
}
