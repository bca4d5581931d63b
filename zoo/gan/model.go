package gan

import (
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// Kind names GAN checkpoints.
const Kind = "gan"

// Network is a generator or a discriminator: a forward pass that can be
// added to any graph, and the parameters it binds.
type Network interface {
	Forward(b *graphs.Builder, x *G.Node) *G.Node
	Params() graphs.Params
}

// Model is a generator and a discriminator built from one Config, and
// optionally a moving average of the generator's weights.
type Model struct {
	Config Config
	Gen    Network
	Disc   Network
	GenEMA Network // nil unless Config.EMA > 0; same architecture as Gen
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
	m.Gen = NewMLPGenerator("gen", cfg.Z+cfg.Classes, cfg.GHidden, cfg.Pixels(), rng)
	m.Disc = NewMLPDiscriminator(cfg, rng)
	if cfg.EMA > 0 {
		avg := NewMLPGenerator("gen_ema", cfg.Z+cfg.Classes, cfg.GHidden, cfg.Pixels(), rng)
		for i, p := range avg.Params() {
			copy(p.Float32s(), m.Gen.Params()[i].Float32s())
		}
		m.GenEMA = avg
	}
	if err := m.Params().Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Params returns the generator's parameters, the discriminator's, then the
// averaged generator's.
func (m *Model) Params() graphs.Params {
	ps := append(m.Gen.Params(), m.Disc.Params()...)
	if m.GenEMA != nil {
		ps = append(ps, m.GenEMA.Params()...)
	}
	return ps
}

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
