package graphs

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
)

// SpectralNorm divides a layer's weight by an estimate σ of its largest
// singular value (Miyato et al. 2018), so the layer is about 1-Lipschitz.
// The weight is seen as a matrix W [out, rest] (a convolution's [out, in,
// k, k] flattened to [out, in·k·k]). σ = uᵀ·W·v, where u [out] and v
// [rest] are the power method's estimates of W's top singular vectors.
//
// As in PyTorch's spectral_norm, u and v are buffers, not trained: a step
// calls [SpectralNorm.Iterate] once (one power iteration on the current
// weight), then runs its graphs, which treat u and v as constants, so the
// gradient flows through W in both the numerator and σ. U and V are saved in
// checkpoints (names <weight>_u and <weight>_v) so that a resumed run and
// a sampler see the same normalisation.
type SpectralNorm struct {
	Weight *Param
	U      *Param // [out]
	V      *Param // [rest]
}

// NewSpectralNorm returns the normalisation of w with u drawn from a
// standard normal (then normalised) and v = Wᵀu/‖Wᵀu‖, as PyTorch
// initialises them.
func NewSpectralNorm(w *Param, rng *rand.Rand) *SpectralNorm {
	out, rest := w.rows()
	s := &SpectralNorm{Weight: w, U: NewParam(w.Name+"_u", out), V: NewParam(w.Name+"_v", rest)}
	s.U.Buffer, s.V.Buffer = true, true
	u := s.U.Float32s()
	FillNormal(u, rng)
	normalise(u)
	s.Iterate()
	return s
}

// rows returns the matrix shape [out, rest] a weight is normalised as.
func (p *Param) rows() (out, rest int) {
	s := p.Value.Shape()
	return s[0], s.TotalSize() / s[0]
}

// Params returns the buffers u and v: saved in checkpoints, never trained.
func (s *SpectralNorm) Params() Params { return Params{s.U, s.V} }

// params is Params for a layer's optional normalisation: none when s is nil.
func (s *SpectralNorm) params() Params {
	if s == nil {
		return nil
	}
	return s.Params()
}

// Iterate performs one power iteration on the current weight:
// v ← Wᵀu/‖Wᵀu‖, then u ← Wv/‖Wv‖. It works on float32 and float64
// parameters (gradient checks use float64).
func (s *SpectralNorm) Iterate() {
	switch w := s.Weight.Value.Data().(type) {
	case []float32:
		powerStep(w, s.U.Value.Data().([]float32), s.V.Value.Data().([]float32))
	case []float64:
		powerStep(w, s.U.Value.Data().([]float64), s.V.Value.Data().([]float64))
	}
}

// Sigma returns the current estimate uᵀ·W·v of the largest singular value.
func (s *SpectralNorm) Sigma() float64 {
	switch w := s.Weight.Value.Data().(type) {
	case []float32:
		return sigma(w, s.U.Value.Data().([]float32), s.V.Value.Data().([]float32))
	case []float64:
		return sigma(w, s.U.Value.Data().([]float64), s.V.Value.Data().([]float64))
	}
	return math.NaN()
}

func powerStep[T float32 | float64](w, u, v []T) {
	rest := len(v)
	clear(v)
	for i, ui := range u {
		for j, wij := range w[i*rest : (i+1)*rest] {
			v[j] += wij * ui
		}
	}
	normalise(v)
	for i := range u {
		var sum T
		for j, wij := range w[i*rest : (i+1)*rest] {
			sum += wij * v[j]
		}
		u[i] = sum
	}
	normalise(u)
}

func sigma[T float32 | float64](w, u, v []T) float64 {
	rest := len(v)
	var s float64
	for i, ui := range u {
		var row float64
		for j, wij := range w[i*rest : (i+1)*rest] {
			row += float64(wij) * float64(v[j])
		}
		s += float64(ui) * row
	}
	return s
}

// normalise scales x to unit length; the 1e-12 floor (PyTorch's eps) keeps
// an all-zero weight from producing NaNs.
func normalise[T float32 | float64](x []T) {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	n := T(max(math.Sqrt(ss), 1e-12))
	for i := range x {
		x[i] /= n
	}
}

// Weight returns the node a layer multiplies by: p itself, or p/σ when sn
// normalises it. The normalised weight is built once per graph, however
// many times the layer is applied (a discriminator sees real and fake
// images).
func (b *Builder) Weight(p *Param, sn *SpectralNorm) *G.Node {
	if sn == nil {
		return b.Param(p)
	}
	if b.err != nil {
		return nil
	}
	if sn.Weight != p {
		b.Fail("spectral norm", fmt.Errorf("the normalisation of %s was applied to %s", sn.Weight.Name, p.Name))
		return nil
	}
	if n, ok := b.normalised[sn]; ok {
		return n
	}
	out, rest := p.rows()
	w := b.Param(p)
	wm := b.Reshape(w, out, rest)
	// Only our MatMul reads the reshaped u and v: a reshape is a view, and
	// Gorgonia runs some elementwise ops in place on their first input, which
	// would overwrite the buffers (it did, with u⊙(Wv)).
	u := b.Reshape(b.Param(sn.U), 1, out)
	v := b.Reshape(b.Param(sn.V), rest, 1)
	sig := b.Sum(b.MatMul(b.MatMul(u, wm, false, false), v, false, false))
	if b.failed(sig) {
		return nil
	}
	n := b.keep("spectral norm of " + p.Name)(G.Div(w, sig))
	if b.normalised == nil {
		b.normalised = map[*SpectralNorm]*G.Node{}
	}
	b.normalised[sn] = n
	return n
}
