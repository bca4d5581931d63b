package vae

import (
	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// Terms are the nodes of the VAE objective on one batch.
//
// Only Loss, the graph's output, can be read directly after a run: the tape
// machine reuses an intermediate node's memory for a later result once
// the graph no longer needs it (BCE's buffer ends up holding BCE + KL), so
// the other terms must be kept with graphs.Builder.Keep when they are wanted.
type Terms struct {
	Mu, LogVar *G.Node // the encoder's outputs, [batch, Z]
	Logits     *G.Node // the decoder's outputs at z = μ + σ ⊙ ε, [batch, pixels]
	BCE        *G.Node // Σ over pixels of BCE(logits, x), per image: [batch]
	KL         *G.Node // KL(q(z|x) ‖ N(0, I)) per image: [batch]
	Loss       *G.Node // mean over the batch of BCE + β·KL: a scalar
}

// KL returns the divergence of N(μ, diag exp(logvar)) from N(0, I) for each
// row: ½ Σ (μ² + σ² − log σ² − 1), a vector [batch] for μ and logvar
// [batch, Z].
func KL(b *graphs.Builder, mu, logvar *G.Node) *G.Node {
	inner := b.Sub(b.Add(b.Square(mu), b.Exp(logvar)), b.Add(logvar, b.Const(1)))
	return b.Scale(b.Sum(inner, 1), 0.5)
}

// Reparameterise returns z = μ + exp(½ logvar) ⊙ ε. With ε an input fed
// from a seeded generator, z is a differentiable function of μ and logvar.
func Reparameterise(b *graphs.Builder, mu, logvar, eps *G.Node) *G.Node {
	return b.Add(mu, b.Mul(b.Exp(b.Scale(logvar, 0.5)), eps))
}

// Objective adds the negative ELBO of m on images x [batch, pixels] with
// noise eps [batch, Z] to b, with weight beta on the KL term. y holds a
// conditional model's one-hot labels [batch, Classes], read by both
// encoder and decoder, and is nil for an unconditional model. The prior
// stays N(0, I) for every class, so the KL term is unchanged.
func Objective(b *graphs.Builder, m *Model, x, y, eps *G.Node, beta float64) Terms {
	return objective(b, m, x, y, eps, func(kl *G.Node) *G.Node {
		if beta != 1 {
			return b.Scale(kl, beta)
		}
		return kl
	})
}

// WarmObjective is [Objective] with the KL weight read from beta, a
// node of shape [1] that the caller sets before each run: KL annealing
// raises it step by step (see Config.BetaWarmup).
func WarmObjective(b *graphs.Builder, m *Model, x, y, eps, beta *G.Node) Terms {
	return objective(b, m, x, y, eps, func(kl *G.Node) *G.Node { return b.ScaleBy(beta, kl) })
}

// objective builds the negative ELBO whose KL term weigh weights.
func objective(b *graphs.Builder, m *Model, x, y, eps *G.Node, weigh func(kl *G.Node) *G.Node) Terms {
	var t Terms
	t.Mu, t.LogVar = m.Encode(b, x, y)
	if t.Mu == nil {
		// The builder has failed; Compile reports why.
		return t
	}
	t.Logits = m.Decode(b, Reparameterise(b, t.Mu, t.LogVar, eps), y)
	t.BCE = b.Sum(b.BCEWithLogits(t.Logits, x), 1)
	t.KL = KL(b, t.Mu, t.LogVar)
	t.Loss = b.Mean(b.Add(t.BCE, weigh(t.KL)))
	return t
}
