package graphs

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs/ops"
)

// GroupNorm is group normalisation (Wu and He 2018) over NCHW maps with a
// per-channel affine map, as PyTorch's nn.GroupNorm (ε = 1e-5): each
// image's channels are split into Groups groups of consecutive channels,
// each group is normalised to mean 0 and variance 1 over its channels and
// pixels, then channel k is scaled by Gamma[k] and shifted by Beta[k].
// Unlike BatchNorm it uses no batch statistics, so sampling computes what
// training did and a checkpoint holds no running means.
type GroupNorm struct {
	Groups int
	Gamma  *Param // [channels], prefix.weight
	Beta   *Param // [channels], prefix.bias
}

// NewGroupNorm returns a group normalisation named prefix over channels
// channels with PyTorch's initialisation, γ = 1 and β = 0.
func NewGroupNorm(prefix string, groups, channels int) *GroupNorm {
	n := &GroupNorm{Groups: groups, Gamma: NewParam(prefix+".weight", channels), Beta: NewParam(prefix+".bias", channels)}
	for i := range n.Gamma.Float32s() {
		n.Gamma.Float32s()[i] = 1
	}
	return n
}

// Params returns γ and β.
func (n *GroupNorm) Params() Params { return Params{n.Gamma, n.Beta} }

// Forward returns the normalised x [batch, channels, h, w].
func (n *GroupNorm) Forward(b *Builder, x *G.Node) *G.Node {
	return b.GroupNorm(x, b.Param(n.Gamma), b.Param(n.Beta), n.Groups)
}

// GroupNorm normalises x [batch, c, h, w] over groups of c/groups
// consecutive channels, each image and group on its own, and applies the
// per-channel γ [c] and β [c]: y = (x − μ)/√(σ² + 1e-5)·γ + β, μ and σ²
// the mean and biased variance of the group's values (see [GroupNorm]).
// One op with hand-derived gradients, which keep their buffers from run to
// run.
func (b *Builder) GroupNorm(x, gamma, beta *G.Node, groups int) *G.Node {
	if b.failed(x, gamma, beta) {
		return nil
	}
	s := x.Shape()
	if len(s) != 4 || groups < 1 || s[1]%groups != 0 {
		b.Fail("group norm", fmt.Errorf("%d groups need maps [batch, c, h, w] with c a multiple of %d, got %v", groups, groups, s))
		return nil
	}
	if !gamma.Shape().Eq(s[1:2]) || !beta.Shape().Eq(s[1:2]) {
		b.Fail("group norm", fmt.Errorf("γ %v and β %v must be [%d] for maps %v", gamma.Shape(), beta.Shape(), s[1], s))
		return nil
	}
	return b.keep("group norm")(ops.GroupNorm(x, gamma, beta, groups))
}
