package gan

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// Kind names GAN checkpoints.
const Kind = "gan"

// Network is a generator or a discriminator: a forward pass that can be
// added to any graph, and the parameters it binds. The forward pass reads
// x (a generator's noise, a discriminator's images) and, for a
// conditional model, their one-hot labels y [batch, Classes]; y is nil
// for an unconditional model.
type Network interface {
	Forward(b *graphs.Builder, x, y *G.Node) *G.Node
	Params() graphs.Params
}

// Model is a generator and a discriminator built from one Config, and
// optionally a moving average of the generator's weights. The networks
// are declared in the order of the parameters in checkpoints, which
// [Model.Params] follows.
type Model struct {
	Config Config
	Gen    Network
	Disc   Network // the discriminator when there is one; nil with several
	// Discs are the discriminators when Config.Discriminators > 1 (named
	// disc1, disc2, …); nil otherwise.
	Discs  []Network
	GenEMA Network // nil unless Config.EMA > 0; same architecture as Gen
}

// Discriminators returns every discriminator: Disc alone, or Discs.
func (m *Model) Discriminators() []Network {
	if len(m.Discs) > 0 {
		return m.Discs
	}
	return []Network{m.Disc}
}

// DiscParams returns the parameters of every discriminator, in order.
func (m *Model) DiscParams() graphs.Params {
	var ps graphs.Params
	for _, d := range m.Discriminators() {
		ps = append(ps, d.Params()...)
	}
	return ps
}

// Sampler returns the network to draw samples from: the averaged generator
// when there is one.
func (m *Model) Sampler() Network {
	if m.GenEMA != nil {
		return m.GenEMA
	}
	return m.Gen
}

// New builds a model with fresh parameters drawn from a generator seeded
// with seed; cfg's zero fields take their defaults.
func New(cfg Config, seed uint64) (*Model, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x6a09e667))
	m := &Model{Config: cfg}
	// A conditional G reads [z, one-hot(y)], so only gen.fc1 grows.
	var err error
	if m.Gen, err = newGenerator("gen", cfg, rng); err != nil {
		return nil, err
	}
	k := cfg.DiscCount()
	var first Network
	if k == 1 {
		m.Disc, err = newDiscriminator("disc", cfg, rng)
	} else {
		// disc1 takes the draws the single discriminator would take, and
		// the others come after every existing parameter, so that adding
		// discriminators leaves the rest of the initialisation unchanged.
		first, err = newDiscriminator("disc1", cfg, rng)
	}
	if err != nil {
		return nil, err
	}
	if cfg.EMA > 0 {
		avg, err := newGenerator("gen_ema", cfg, rng)
		if err != nil {
			return nil, err
		}
		for i, p := range avg.Params() {
			copy(p.Float32s(), m.Gen.Params()[i].Float32s())
		}
		m.GenEMA = avg
	}
	if k > 1 {
		m.Discs = []Network{first}
		for i := 2; i <= k; i++ {
			d, err := newDiscriminator(fmt.Sprintf("disc%d", i), cfg, rng)
			if err != nil {
				return nil, err
			}
			m.Discs = append(m.Discs, d)
		}
	}
	if err := m.Params().Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// newGenerator returns the generator of cfg's architecture, named prefix.
// A conditional G reads [z, one-hot(y)], so only its first layer grows.
func newGenerator(prefix string, cfg Config, rng *rand.Rand) (Network, error) {
	if cfg.Convolutional() {
		return newConvGenerator(prefix, cfg.Z+cfg.Classes, cfg, rng)
	}
	// With GCondEvery every layer reads the labels: each is Classes inputs
	// wider. A mixture has one first layer per generator.
	g := &MLPGenerator{EveryLayer: cfg.GCond == GCondEvery}
	in := cfg.Z
	for i, out := range append(append([]int(nil), cfg.GHidden...), cfg.Pixels()) {
		if i == 0 || g.EveryLayer {
			in += cfg.Classes
		}
		name := fmt.Sprintf("fc%d", i+1)
		if i == 0 && cfg.GenCount() > 1 {
			g.First = newMixtureLinear(prefix, name, cfg.GenCount(), in, out, rng)
		} else {
			g.Layers = append(g.Layers, graphs.NewLinear(prefix+"."+name, in, out, rng))
		}
		if cfg.GCond == GCondNorm && i < len(cfg.GHidden) {
			g.Norms = append(g.Norms, NewClassNorm(fmt.Sprintf("%s.cnorm%d", prefix, i+1), cfg.Classes, out))
		}
		in = out
	}
	return g, nil
}

// newDiscriminator returns the discriminator of cfg's architecture, named prefix.
func newDiscriminator(prefix string, cfg Config, rng *rand.Rand) (Network, error) {
	if cfg.Convolutional() {
		return newConvDiscriminator(prefix, cfg, rng)
	}
	return newMLPDiscriminator(prefix, cfg, rng), nil
}

// SpectralNorms returns the spectral normalisations of every
// discriminator's layers (none unless Config.DNorm is "spectral").
func (m *Model) SpectralNorms() []*graphs.SpectralNorm {
	var sns []*graphs.SpectralNorm
	for _, d := range m.Discriminators() {
		if n, ok := d.(interface {
			SpectralNorms() []*graphs.SpectralNorm
		}); ok {
			sns = append(sns, n.SpectralNorms()...)
		}
	}
	return sns
}

// DiscLoss returns the discriminators' objective of Config.Loss.
func (m *Model) DiscLoss(b *graphs.Builder, realLogits, fakeLogits *G.Node) *G.Node {
	if m.Config.Loss == "hinge" {
		return HingeDiscriminatorLoss(b, realLogits, fakeLogits)
	}
	return DiscriminatorLoss(b, realLogits, fakeLogits)
}

// GenLoss returns the generator's objective of Config.Loss.
func (m *Model) GenLoss(b *graphs.Builder, fakeLogits *G.Node) *G.Node {
	if m.Config.Loss == "hinge" {
		return HingeGeneratorLoss(b, fakeLogits)
	}
	return GeneratorLoss(b, fakeLogits)
}

// HingeDiscriminatorLoss is the hinge loss of SAGAN's D (Lim & Ye 2017):
// mean(relu(1 − D(x))) + mean(relu(1 + D(G(z)))). D stops pushing a logit
// once it is beyond the margin.
func HingeDiscriminatorLoss(b *graphs.Builder, realLogits, fakeLogits *G.Node) *G.Node {
	one := b.Const(1)
	return b.Add(b.Mean(b.ReLU(b.Sub(one, realLogits))), b.Mean(b.ReLU(b.Add(fakeLogits, one))))
}

// HingeGeneratorLoss is the hinge loss of SAGAN's G: −mean(D(G(z))).
func HingeGeneratorLoss(b *graphs.Builder, fakeLogits *G.Node) *G.Node {
	return b.Neg(b.Mean(fakeLogits))
}

// Params returns the generator's parameters, the discriminators', then the
// averaged generator's.
func (m *Model) Params() graphs.Params { return graphs.CollectParams(m) }

// DiscriminatorLoss is the mean over the batch of
// softplus(−D(x)) + softplus(D(G(z))), i.e. BCE against 1 for real logits
// and against 0 for fake ones.
func DiscriminatorLoss(b *graphs.Builder, realLogits, fakeLogits *G.Node) *G.Node {
	return b.Add(b.Mean(b.BCEWithLogitsConst(realLogits, 1)), b.Mean(b.BCEWithLogitsConst(fakeLogits, 0)))
}

// GeneratorLoss is the non-saturating loss: the mean of
// −log σ(D(G(z))) = softplus(−D(G(z))).
func GeneratorLoss(b *graphs.Builder, fakeLogits *G.Node) *G.Node {
	return b.Mean(b.BCEWithLogitsConst(fakeLogits, 1))
}

// GMANWeights returns the weights of the K generator losses: uniform when
// lambda is 0 or losses is nil (no step yet), else softmax(λ·L_k), which
// favours the discriminators G fools least (GMAN's soft version). The
// weights are constants of the G update: no gradient flows through them.
func GMANWeights(losses []float64, k int, lambda float64) []float64 {
	w := make([]float64, k)
	if lambda == 0 || len(losses) != k {
		for i := range w {
			w[i] = 1 / float64(k)
		}
		return w
	}
	top := math.Inf(-1)
	for _, l := range losses {
		top = max(top, lambda*l)
	}
	var sum float64
	for i, l := range losses {
		w[i] = math.Exp(lambda*l - top) // shifted by the largest, so no overflow
		sum += w[i]
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}
