package gan

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// Generate adds net(z) to b for an unconditional model (y nil), and
// net([z, y]) for a conditional one, y being one-hot labels [batch, Classes].
// net is m.Gen or m.GenEMA.
func (m *Model) Generate(b *graphs.Builder, net Network, z, y *G.Node) *G.Node {
	if (y == nil) != (m.Config.Classes == 0) {
		b.Fail("generator", fmt.Errorf("labels given: %v, but the model has %d classes", y != nil, m.Config.Classes))
		return nil
	}
	return net.Forward(b, z, y)
}

// Discriminate adds D's logits for images x to b; y is nil for an
// unconditional model and the images' one-hot labels otherwise.
func (m *Model) Discriminate(b *graphs.Builder, x, y *G.Node) *G.Node {
	if m.Disc == nil {
		b.Fail("discriminator", fmt.Errorf("the model has %d discriminators: use Model.Discriminators", len(m.Discs)))
		return nil
	}
	return m.Disc.Forward(b, x, y)
}

// discriminatePair returns D's logits for a real and a generated batch
// of one size. Both go through D as one stacked batch — each of D's matrix
// products then has twice the rows, and D's weight gradients are summed
// inside the products rather than added afterwards — unless D's output
// for one image depends on the rest of its batch (minibatch std), where
// stacking would mix real and generated statistics.
func (m *Model) discriminatePair(b *graphs.Builder, real, fake, yReal, yFake *G.Node) (realLogits, fakeLogits *G.Node) {
	if m.Config.DMinibatchStd {
		return m.Discriminate(b, real, yReal), m.Discriminate(b, fake, yFake)
	}
	var y *G.Node
	if yReal != nil {
		y = b.StackRows(yReal, yFake)
	}
	logits := m.Discriminate(b, b.StackRows(real, fake), y)
	if logits == nil {
		return nil, nil
	}
	half := logits.Shape()[0] / 2
	return b.Rows(logits, 0, half), b.Rows(logits, half, 2*half)
}

// labelInput adds a one-hot label input [batch, Classes] to b, or returns
// nil for an unconditional model, so that its graphs stay as they were.
func (m *Model) labelInput(b *graphs.Builder, name string, batch int) *G.Node {
	if m.Config.Classes == 0 {
		return nil
	}
	return b.Input(name, batch, m.Config.Classes)
}
