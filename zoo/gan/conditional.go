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
	return m.GenerateMix(b, net, z, y, nil)
}

// GenerateMix is Generate for a mixture of Config.Generators generators:
// which [batch, Generators] names, one-hot, the generator of each row. It
// is nil for a single generator.
func (m *Model) GenerateMix(b *graphs.Builder, net Network, z, y, which *G.Node) *G.Node {
	if (y == nil) != (m.Config.Classes == 0) {
		b.Fail("generator", fmt.Errorf("labels given: %v, but the model has %d classes", y != nil, m.Config.Classes))
		return nil
	}
	if (which == nil) != (m.Config.GenCount() == 1) {
		b.Fail("generator", fmt.Errorf("a choice of generator given: %v, but the model has %d generators", which != nil, m.Config.GenCount()))
		return nil
	}
	if which == nil {
		return net.Forward(b, z, y)
	}
	mix, ok := net.(mixtureGenerator)
	if !ok {
		b.Fail("generator", fmt.Errorf("%T is not a mixture of generators", net))
		return nil
	}
	return mix.ForwardMix(b, z, y, which)
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
// of one size, for an AC-GAN discriminator the sum of its auxiliary
// classifier's mean cross-entropies on the two batches (nil otherwise),
// and for a mixture's discriminator its generator logits on the generated
// batch (nil otherwise). Both batches go through D as one stacked batch —
// each of D's matrix products then has twice the rows, and D's weight
// gradients are summed inside the products rather than added afterwards —
// unless D's output for one image depends on the rest of its batch
// (minibatch std), where stacking would mix real and generated statistics.
func (m *Model) discriminatePair(b *graphs.Builder, real, fake, yReal, yFake *G.Node) (realLogits, fakeLogits, classLoss, fakeGen *G.Node) {
	if m.Config.DMinibatchStd {
		realLogits, realAux, _ := m.discriminateAux(b, real, yReal)
		fakeLogits, fakeAux, fakeGen := m.discriminateAux(b, fake, yFake)
		if realAux != nil {
			classLoss = b.Add(m.classLoss(b, realAux, yReal), m.classLoss(b, fakeAux, yFake))
		}
		return realLogits, fakeLogits, classLoss, fakeGen
	}
	var y *G.Node
	if yReal != nil {
		y = b.StackRows(yReal, yFake)
	}
	logits, aux, gen := m.discriminateAux(b, b.StackRows(real, fake), y)
	if logits == nil {
		return nil, nil, nil, nil
	}
	if aux != nil {
		// The two batches are of one size: twice the mean over both is
		// the sum of their means.
		classLoss = b.Scale(m.classLoss(b, aux, y), 2)
	}
	if gen != nil {
		n := gen.Shape()[0] / 2
		fakeGen = b.Rows(gen, n, 2*n)
	}
	half := logits.Shape()[0] / 2
	return b.Rows(logits, 0, half), b.Rows(logits, half, 2*half), classLoss, fakeGen
}

// discriminateAux is Discriminate that also returns an AC-GAN
// discriminator's auxiliary class logits and a mixture's generator logits
// (nil for other models).
func (m *Model) discriminateAux(b *graphs.Builder, x, y *G.Node) (logits, aux, gen *G.Node) {
	if m.Disc == nil {
		return m.Discriminate(b, x, y), nil, nil // which fails
	}
	return discriminateHeads(b, m.Disc, x, y)
}

// discriminateHeads returns d's logits for x, and those of its auxiliary
// classifier and of its generator head where it has them (nil otherwise).
func discriminateHeads(b *graphs.Builder, d Network, x, y *G.Node) (logits, aux, gen *G.Node) {
	switch d := d.(type) {
	case *MLPDiscriminator:
		return d.forwardHeads(b, x, y)
	case *ConvDiscriminator:
		logits, gen = d.ForwardHeads(b, x, y)
		return logits, nil, gen
	}
	return d.Forward(b, x, y), nil, nil
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

// The ways a conditional MLP generator takes its labels (Config.GCond).
const (
	// GCondInput joins the one-hot label to z, G's first layer's input
	// alone: the first conditional models' generator.
	GCondInput = "input"
	// GCondEvery joins the label to the input of every layer of G.
	GCondEvery = "every"
	// GCondNorm joins the label to z and gives each class its own gain
	// and bias per feature after each hidden layer, before the ReLU
	// ([ClassNorm]), as the conditional convolutional generator does
	// after each PixelNorm.
	GCondNorm = "norm"
)

// GCondModes lists the values of Config.GCond.
var GCondModes = []string{GCondInput, GCondEvery, GCondNorm}

// DefaultGCond is the generator's conditioning mode of a conditional MLP
// GAN whose Config.GCond is "" and whose Config.Cond is not [CondEvery]
// (which joins the label to every layer of G as well as of D).
const DefaultGCond = GCondInput
