package eval

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Stats are the first two moments of a set of feature vectors, in float64:
// all the Fréchet distance needs, so a reference set's Stats can be
// computed once and reused.
type Stats struct {
	N    int           // vectors summarised
	Mean []float64     // length Dim
	Cov  *mat.SymDense // Dim×Dim, unbiased (divided by N−1)
}

// Dim returns the feature dimension.
func (s *Stats) Dim() int { return len(s.Mean) }

// NewStats returns the mean and covariance of n feature vectors of dim
// values each, stored one after another in features.
func NewStats(features []float32, dim int) (*Stats, error) {
	n, err := rows(features, dim, "features")
	if err != nil {
		return nil, err
	}
	if n < 2 {
		return nil, fmt.Errorf("eval: a covariance needs at least 2 feature vectors, got %d", n)
	}
	x := mat.NewDense(n, dim, nil)
	for i := range n {
		for j := range dim {
			v := float64(features[i*dim+j])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("eval: feature %d of vector %d is %v", j, i, v)
			}
			x.Set(i, j, v)
		}
	}
	s := &Stats{N: n, Mean: make([]float64, dim), Cov: mat.NewSymDense(dim, nil)}
	for j := range dim {
		s.Mean[j] = stat.Mean(mat.Col(nil, j, x), nil)
	}
	stat.CovarianceMatrix(s.Cov, x, nil)
	return s, nil
}

// FID returns the Fréchet distance between the Gaussians fitted to two
// feature sets (Heusel et al. 2017):
//
//	‖μ₁ − μ₂‖² + Tr Σ₁ + Tr Σ₂ − 2 Tr (Σ₁^½ Σ₂ Σ₁^½)^½.
//
// The last term equals Tr (Σ₁Σ₂)^½, the form usually quoted, but Σ₁Σ₂ is
// not symmetric, and taking its square root with a general method
// (scipy's sqrtm in the reference code) can return complex values and
// needs a fudge. Σ₁^½ Σ₂ Σ₁^½ is symmetric positive semi-definite, so both
// square roots come from symmetric eigen-decompositions, where eigenvalues
// that round-off made slightly negative are set to 0.
func FID(a, b *Stats) (float64, error) {
	if a == nil || b == nil || a.Cov == nil || b.Cov == nil {
		return 0, fmt.Errorf("eval: FID of missing statistics")
	}
	d := a.Dim()
	if b.Dim() != d || a.Cov.SymmetricDim() != d || b.Cov.SymmetricDim() != d {
		return 0, fmt.Errorf("eval: FID of %d- and %d-dimensional features", a.Dim(), b.Dim())
	}
	var meanTerm float64
	for j := range d {
		diff := a.Mean[j] - b.Mean[j]
		meanTerm += diff * diff
	}
	var traces float64
	for j := range d {
		traces += a.Cov.At(j, j) + b.Cov.At(j, j)
	}
	rootA, err := sqrtSym(a.Cov)
	if err != nil {
		return 0, err
	}
	var m mat.Dense
	m.Mul(rootA, b.Cov)
	m.Mul(&m, rootA)
	vals, err := eigenvalues(symmetrize(&m))
	if err != nil {
		return 0, err
	}
	var cross float64
	for _, v := range vals {
		cross += math.Sqrt(math.Max(v, 0))
	}
	return math.Max(meanTerm+traces-2*cross, 0), nil
}

// sqrtSym returns the symmetric square root U·diag(√max(λ, 0))·Uᵀ of a
// symmetric positive semi-definite matrix.
func sqrtSym(s mat.Symmetric) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, fmt.Errorf("eval: the eigen-decomposition of a %d×%d covariance did not converge", s.SymmetricDim(), s.SymmetricDim())
	}
	var u mat.Dense
	eig.VectorsTo(&u)
	vals := eig.Values(nil)
	n := len(vals)
	scaled := mat.NewDense(n, n, nil)
	for j, v := range vals {
		r := math.Sqrt(math.Max(v, 0))
		for i := range n {
			scaled.Set(i, j, u.At(i, j)*r)
		}
	}
	var out mat.Dense
	out.Mul(scaled, u.T())
	return &out, nil
}

func eigenvalues(s mat.Symmetric) ([]float64, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, false) {
		return nil, fmt.Errorf("eval: the eigen-decomposition of a %d×%d matrix did not converge", s.SymmetricDim(), s.SymmetricDim())
	}
	return eig.Values(nil), nil
}

// symmetrize returns (m + mᵀ)/2, which removes the round-off asymmetry of
// a product that is symmetric in exact arithmetic.
func symmetrize(m *mat.Dense) *mat.SymDense {
	n, _ := m.Dims()
	s := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	return s
}

// rows checks that values holds whole rows of width values and returns how
// many.
func rows(values []float32, width int, what string) (int, error) {
	if width < 1 {
		return 0, fmt.Errorf("eval: %s: width %d must be positive", what, width)
	}
	if len(values)%width != 0 {
		return 0, fmt.Errorf("eval: %d %s values is not a whole number of rows of %d", len(values), what, width)
	}
	return len(values) / width, nil
}
