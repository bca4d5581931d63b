package eval

import (
	"fmt"
	"math"

	"github.com/gorgozoo/gorgozoo/internal/gemm"
	"gonum.org/v1/gonum/blas"
)

// PR is the improved precision and recall of Kynkäänniemi et al. (2019).
type PR struct {
	Precision float64 // share of generated samples inside the real data's manifold
	Recall    float64 // share of real samples inside the generated data's manifold
	K         int     // the neighbourhood size that defined the manifolds
}

// distBlock is how many rows of a distance matrix are computed at once:
// 512 rows against 10,000 columns is 20 MB of float32.
const distBlock = 512

// PrecisionRecall estimates the manifold of each feature set (rows of dim
// values) as the union of balls around its points, each reaching to the
// point's k-th nearest other point of the same set. Precision is the share
// of fake points inside the real manifold (quality), recall the share of
// real points inside the fake manifold (coverage of the real variety).
// Distances are Euclidean; they come from float32 matrix products
// (‖a‖² + ‖b‖² − 2a·b), so 10,000 × 10,000 points take seconds.
func PrecisionRecall(real, fake []float32, dim, k int) (PR, error) {
	r, err := NewManifold(real, dim, k)
	if err != nil {
		return PR{}, fmt.Errorf("%w (real features)", err)
	}
	f, err := NewManifold(fake, dim, k)
	if err != nil {
		return PR{}, fmt.Errorf("%w (fake features)", err)
	}
	return r.PrecisionRecall(f)
}

// Manifold is a set of feature vectors with the k-NN radius of each: the
// part of a precision/recall computation that depends on one set alone,
// so a reference set's can be computed once.
type Manifold struct {
	points       []float32
	norms, radii []float32 // squared norms and squared radii
	dim, k       int
}

// NewManifold computes the squared distance of each of the n points
// (rows of dim values) to its k-th nearest other point.
func NewManifold(points []float32, dim, k int) (*Manifold, error) {
	n, err := rows(points, dim, "feature")
	if err != nil {
		return nil, err
	}
	if k < 1 || n <= k {
		return nil, fmt.Errorf("eval: a k-NN manifold with k = %d needs k ≥ 1 and more than k points, got %d", k, n)
	}
	for i, v := range points {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("eval: feature %d of vector %d is %v", i%dim, i/dim, v)
		}
	}
	m := &Manifold{points: points, dim: dim, k: k, norms: sqNorms(points, dim)}
	m.radii = knnRadii(points, m.norms, dim, k)
	return m, nil
}

// N returns the number of points.
func (m *Manifold) N() int { return len(m.norms) }

// PrecisionRecall returns the precision and recall of the fake points
// with respect to m, the real ones. Both manifolds must have the same
// dimension and k.
func (m *Manifold) PrecisionRecall(fake *Manifold) (PR, error) {
	if m == nil || fake == nil {
		return PR{}, fmt.Errorf("eval: precision/recall of a missing manifold")
	}
	if m.dim != fake.dim || m.k != fake.k {
		return PR{}, fmt.Errorf("eval: precision/recall of manifolds with dimensions %d and %d, k %d and %d", m.dim, fake.dim, m.k, fake.k)
	}
	nr, nf, dim := m.N(), fake.N(), m.dim
	realIn := make([]bool, nr)
	var fakeIn int
	buf := make([]float32, min(distBlock, nf)*nr)
	for j0 := 0; j0 < nf; j0 += distBlock {
		r := min(distBlock, nf-j0)
		d := buf[:r*nr]
		sqDists(fake.points[j0*dim:(j0+r)*dim], fake.norms[j0:j0+r], m.points, m.norms, dim, d)
		for j := range r {
			row, radius := d[j*nr:(j+1)*nr], fake.radii[j0+j]
			in := false
			for i, v := range row {
				if v <= m.radii[i] {
					in = true
				}
				if v <= radius {
					realIn[i] = true
				}
			}
			if in {
				fakeIn++
			}
		}
	}
	var covered int
	for _, in := range realIn {
		if in {
			covered++
		}
	}
	return PR{Precision: float64(fakeIn) / float64(nf), Recall: float64(covered) / float64(nr), K: m.k}, nil
}

// knnRadii returns, for each row of x, the squared distance to its k-th
// nearest other row.
func knnRadii(x []float32, norms []float32, dim, k int) []float32 {
	n := len(norms)
	radii := make([]float32, n)
	buf := make([]float32, min(distBlock, n)*n)
	best := make([]float32, k) // the k smallest so far, ascending
	for i0 := 0; i0 < n; i0 += distBlock {
		r := min(distBlock, n-i0)
		d := buf[:r*n]
		sqDists(x[i0*dim:(i0+r)*dim], norms[i0:i0+r], x, norms, dim, d)
		for i := range r {
			for j := range best {
				best[j] = float32(math.Inf(1))
			}
			for j, v := range d[i*n : (i+1)*n] {
				if v >= best[k-1] || j == i0+i {
					continue
				}
				p := k - 1
				for p > 0 && best[p-1] > v {
					best[p] = best[p-1]
					p--
				}
				best[p] = v
			}
			radii[i0+i] = best[k-1]
		}
	}
	return radii
}

// sqNorms returns ‖x_i‖² of each row of x.
func sqNorms(x []float32, dim int) []float32 {
	out := make([]float32, len(x)/dim)
	for i := range out {
		var s float32
		for _, v := range x[i*dim : (i+1)*dim] {
			s += v * v
		}
		out[i] = s
	}
	return out
}

// sqDists writes ‖a_i − b_j‖² into out[i·nb + j] for the rows of a and b,
// as ‖a_i‖² + ‖b_j‖² − 2·a_i·b_j with one GEMM (internal/gemm's, the one
// the models' products run on). Round-off
// can make the sum of a point with itself or a near twin slightly
// negative; it is clamped to 0.
func sqDists(a, aNorms, b, bNorms []float32, dim int, out []float32) {
	na, nb := len(aNorms), len(bNorms)
	gemm.Sgemm(blas.NoTrans, blas.Trans, na, nb, dim, -2, a, dim, b, dim, 0, out, nb)
	for i := range na {
		row := out[i*nb : (i+1)*nb]
		for j := range row {
			row[j] = max(row[j]+aNorms[i]+bNorms[j], 0)
		}
	}
}
