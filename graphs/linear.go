package graphs

import (
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
)

// Linear is a fully connected layer y = x·Wᵀ + b with W of shape [out, in],
// as PyTorch's nn.Linear.
type Linear struct {
	Weight *Param        // [out, in]
	Bias   *Param        // [out]
	SN     *SpectralNorm // divides Weight by its largest singular value; nil: none
}

// NewLinear returns a Linear layer named prefix (its parameters are
// prefix.weight and prefix.bias) with PyTorch's default initialisation:
// weight and bias uniform in ±1/√in.
func NewLinear(prefix string, in, out int, rng *rand.Rand) *Linear {
	l := &Linear{Weight: NewParam(prefix+".weight", out, in), Bias: NewParam(prefix+".bias", out)}
	bound := 1 / math.Sqrt(float64(in))
	Uniform(l.Weight, bound, rng)
	Uniform(l.Bias, bound, rng)
	return l
}

// Params returns the layer's parameters, then its spectral-norm buffers.
func (l *Linear) Params() Params { return append(Params{l.Weight, l.Bias}, l.SN.params()...) }

// Forward returns x·Wᵀ + b for x of shape [batch, in].
func (l *Linear) Forward(b *Builder, x *G.Node) *G.Node {
	return b.AddBias(b.MatMulT(x, b.Weight(l.Weight, l.SN)), b.Param(l.Bias))
}
