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

// Model is a generator and a discriminator built from one Config.
type Model struct {
	Config Config
	Gen    Network
	Disc   Network
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
	m.Gen = NewMLPGenerator(cfg.Z, cfg.GHidden, cfg.Pixels(), rng)
	m.Disc = NewMLPDiscriminator(cfg, rng)
	if err := m.Params().Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Params returns the generator's parameters, then the discriminator's.
func (m *Model) Params() graphs.Params {
	return append(m.Gen.Params(), m.Disc.Params()...)
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
