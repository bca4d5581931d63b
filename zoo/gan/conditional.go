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
// of one size, and for an AC-GAN discriminator the sum of its auxiliary
// classifier's mean cross-entropies on the two batches (nil otherwise).
// Both go through D as one stacked batch — each of D's matrix products
// then has twice the rows, and D's weight gradients are summed inside the
// products rather than added afterwards — unless D's output for one image
// depends on the rest of its batch (minibatch std), where stacking would
// mix real and generated statistics.
func (m *Model) discriminatePair(b *graphs.Builder, real, fake, yReal, yFake *G.Node) (realLogits, fakeLogits, classLoss *G.Node) {
	if m.Config.DMinibatchStd {
		realLogits, realAux := m.discriminateAux(b, real, yReal)
		fakeLogits, fakeAux := m.discriminateAux(b, fake, yFake)
		if realAux != nil {
			classLoss = b.Add(m.classLoss(b, realAux, yReal), m.classLoss(b, fakeAux, yFake))
		}
		return realLogits, fakeLogits, classLoss
	}
	var y *G.Node
	if yReal != nil {
		y = b.StackRows(yReal, yFake)
	}
	logits, aux := m.discriminateAux(b, b.StackRows(real, fake), y)
	if logits == nil {
		return nil, nil, nil
	}
	if aux != nil {
		// The two batches are of one size: twice the mean over both is
		// the sum of their means.
		classLoss = b.Scale(m.classLoss(b, aux, y), 2)
	}
	half := logits.Shape()[0] / 2
	return b.Rows(logits, 0, half), b.Rows(logits, half, 2*half), classLoss
}

// discriminateAux is Discriminate that also returns an AC-GAN
// discriminator's auxiliary class logits (nil for other models).
func (m *Model) discriminateAux(b *graphs.Builder, x, y *G.Node) (logits, aux *G.Node) {
	if d, ok := m.Disc.(*MLPDiscriminator); ok && y != nil && d.Aux != nil {
		return d.ForwardAux(b, x, y)
	}
	return m.Discriminate(b, x, y), nil
}

// classLoss is the auxiliary classifier's mean cross-entropy of its class
// logits aux against the one-hot labels y.
func (m *Model) classLoss(b *graphs.Builder, aux, y *G.Node) *G.Node {
	return b.Mean(b.CrossEntropyWithLogits(aux, y))
}

// labelInput adds a one-hot label input [batch, Classes] to b, or returns
// nil for an unconditional model, so that its graphs stay as they were.
func (m *Model) labelInput(b *graphs.Builder, name string, batch int) *G.Node {
	if m.Config.Classes == 0 {
		return nil
	}
	return b.Input(name, batch, m.Config.Classes)
}

// The ways a conditional MLP GAN takes its labels (Config.Cond).
const (
	// CondJoined joins each image's one-hot label to D's input and adds
	// the projection term on D's last hidden features: the first
	// conditional model's design, which checkpoints without a mode have.
	CondJoined = "joined"
	// CondProjection is the projection discriminator of Miyato & Koyama
	// (2018) as designed: D's features φ(x) see the image alone, and the
	// label enters only through ⟨embed(y), φ(x)⟩ beside the linear ψ(φ(x)).
	CondProjection = "projection"
	// CondEvery joins the labels to the input of every layer of G and D.
	CondEvery = "every"
	// CondACGAN gives D an auxiliary classifier on its last hidden
	// features (Odena et al. 2017): D and G both minimise its
	// cross-entropy on the fakes' labels, D also on the real ones'.
	CondACGAN = "acgan"
)

// CondModes lists the values of Config.Cond.
var CondModes = []string{CondJoined, CondProjection, CondEvery, CondACGAN}

// DefaultCond is the conditioning mode of a conditional MLP GAN whose
// Config.Cond is "".
const DefaultCond = CondJoined
