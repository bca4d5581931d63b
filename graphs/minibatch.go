package graphs

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// MinibatchStd appends one feature to every row of h [batch, features]:
// the standard deviation of each feature across the batch, averaged over
// features (Karras et al., "Progressive Growing of GANs", 2018). A
// discriminator that sees it can tell a batch of near-identical samples
// from a batch of real, varied ones, which gives a collapsing generator a
// gradient towards variety.
func (b *Builder) MinibatchStd(h *G.Node) *G.Node {
	if b.failed(h) {
		return nil
	}
	if h.Dims() != 2 {
		b.Fail("minibatch std", fmt.Errorf("want [batch, features], got %v", h.Shape()))
		return nil
	}
	n := h.Shape()[0]
	centred := b.SubRow(h, b.Mean(h, 0))
	std := b.Sqrt(b.Add(b.Mean(b.Square(centred), 0), b.Const(1e-8)))
	feature := b.Mul(b.Ones(fmt.Sprintf("minibatch_std.ones%d", b.inputs), n, 1), b.Mean(std))
	return b.Concat(1, h, feature)
}
