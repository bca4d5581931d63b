package attention

import (
	"fmt"
	"math/rand/v2"

	"github.com/gorgozoo/gorgozoo/graphs"
	G "gorgonia.org/gorgonia"
)

// Tokens is the same block on sequences of feature vectors x [batch,
// tokens, dim], for MLP models: Linear layers stand where the map form has
// 1×1 convolutions (a 1×1 convolution is a Linear layer applied at every
// position). Config.Pool has no meaning without a 2-D layout and is
// refused.
type Tokens struct {
	Name   string
	Dim    int // of every token, in and out
	Config Config

	F, G, H *graphs.Linear // query, key and value
	V       *graphs.Linear // output; nil unless Config.HalfValues
	Gamma   *graphs.Param  // [1], starts at 0
}

// NewTokens returns a token block named prefix (parameters prefix.f.weight,
// …, prefix.gamma) for tokens of size dim, with PyTorch's default
// initialisation drawn from rng in the order f, g, h, v.
func NewTokens(prefix string, dim int, cfg Config, rng *rand.Rand) (*Tokens, error) {
	if dim < 1 {
		return nil, fmt.Errorf("attention %s: need tokens of at least 1 feature, got %d", prefix, dim)
	}
	if cfg.Pool {
		return nil, fmt.Errorf("attention %s: pooling needs 2-D maps; tokens have no layout to pool over", prefix)
	}
	qk, values := queryChannels(dim), valueChannels(dim, cfg.HalfValues)
	a := &Tokens{Name: prefix, Dim: dim, Config: cfg}
	a.F = graphs.NewLinear(prefix+".f", dim, qk, rng)
	a.G = graphs.NewLinear(prefix+".g", dim, qk, rng)
	a.H = graphs.NewLinear(prefix+".h", dim, values, rng)
	if cfg.HalfValues {
		a.V = graphs.NewLinear(prefix+".v", values, dim, rng)
	}
	a.Gamma = graphs.NewParam(prefix+".gamma", 1)
	return a, nil
}

// Layers returns the block's Linear layers: f, g, h, and v if present.
func (a *Tokens) Layers() []*graphs.Linear {
	ls := []*graphs.Linear{a.F, a.G, a.H}
	if a.V != nil {
		ls = append(ls, a.V)
	}
	return ls
}

// Params returns the parameters in the order of PyTorch's state_dict:
// the layers' weights and biases, then gamma.
func (a *Tokens) Params() graphs.Params { return graphs.CollectParams(a) }

// Forward returns y = γ·o + x for x [batch, tokens, dim].
func (a *Tokens) Forward(b *graphs.Builder, x *G.Node) *G.Node {
	y, _ := a.ForwardWeights(b, x)
	return y
}

// ForwardWeights returns y and the attention weights β [batch, tokens,
// tokens], whose row i holds the weights of query token i over all tokens
// and sums to 1.
func (a *Tokens) ForwardWeights(b *graphs.Builder, x *G.Node) (y, beta *G.Node) {
	if b.Err() != nil || x == nil {
		b.Fail("attention "+a.Name, fmt.Errorf("no input (an earlier step failed)"))
		return nil, nil
	}
	s := x.Shape()
	if x.Dims() != 3 || s[2] != a.Dim {
		b.Fail("attention "+a.Name, fmt.Errorf("want tokens [batch, tokens, %d], got %v", a.Dim, s))
		return nil, nil
	}
	batch, tokens := s[0], s[1]
	rows := b.Reshape(x, batch*tokens, a.Dim)
	// perToken applies a Linear layer to every token.
	perToken := func(l *graphs.Linear, in *G.Node) *G.Node {
		out := l.Forward(b, in)
		if out == nil {
			return nil
		}
		return b.Reshape(out, batch, tokens, out.Shape()[1])
	}
	f, g, v := perToken(a.F, rows), perToken(a.G, rows), perToken(a.H, rows)
	beta = b.Softmax(b.BatchedMatMul(f, g, false, true)) // [batch, tokens, tokens]
	o := b.BatchedMatMul(beta, v, false, false)          // [batch, tokens, values]
	if a.V != nil && o != nil {
		o = perToken(a.V, b.Reshape(o, batch*tokens, o.Shape()[2]))
	}
	y = b.Add(b.ScaleBy(b.Param(a.Gamma), o), x)
	if b.Err() != nil {
		return nil, nil
	}
	return y, beta
}
