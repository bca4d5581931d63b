package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

func gaussian(rng *rand.Rand, n int, mean, std []float64) []float32 {
	d := len(mean)
	out := make([]float32, n*d)
	for i := range n {
		for j := range d {
			out[i*d+j] = float32(mean[j] + std[j]*rng.NormFloat64())
		}
	}
	return out
}

func TestNewStats(t *testing.T) {
	// Rows (1,2), (3,6), (5,4): means 3 and 4; unbiased covariance
	// [[4, 2], [2, 4]].
	s, err := NewStats([]float32{1, 2, 3, 6, 5, 4}, 2)
	require.NoError(t, err)
	require.Equal(t, 3, s.N)
	require.InDeltaSlice(t, []float64{3, 4}, s.Mean, 1e-12)
	require.InDeltaSlice(t, []float64{4, 2, 2, 4}, mat.DenseCopyOf(s.Cov).RawMatrix().Data, 1e-12)

	cases := []struct {
		name     string
		features []float32
		dim      int
		want     string
	}{
		{"ragged", []float32{1, 2, 3}, 2, "not a whole number"},
		{"one vector", []float32{1, 2}, 2, "at least 2"},
		{"NaN", []float32{1, float32(math.NaN()), 3, 4}, 2, "NaN"},
		{"zero width", []float32{1}, 0, "width"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewStats(c.features, c.dim)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestFIDOfIdenticalSets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	f := gaussian(rng, 2000, []float64{1, -2, 0, 5, 3}, []float64{1, 2, 0.5, 3, 0.1})
	// The same vectors in another order have the same statistics.
	g := make([]float32, len(f))
	for i, p := range rng.Perm(2000) {
		copy(g[5*i:5*i+5], f[5*p:5*p+5])
	}
	a, err := NewStats(f, 5)
	require.NoError(t, err)
	b, err := NewStats(g, 5)
	require.NoError(t, err)
	fid, err := FID(a, b)
	require.NoError(t, err)
	require.Less(t, fid, 1e-9)
	require.GreaterOrEqual(t, fid, 0.0)
}

// TestFIDClosedForm compares FID on given moments with the 2-D closed
// form: for 2×2 matrices with non-negative eigenvalues λ₁, λ₂ of Σ₁Σ₂,
// Tr (Σ₁Σ₂)^½ = √λ₁ + √λ₂ = √(Tr Σ₁Σ₂ + 2√det Σ₁Σ₂). The cases include
// covariances that do not commute, where the trace term is not a sum of
// products of standard deviations.
func TestFIDClosedForm(t *testing.T) {
	cases := []struct {
		name       string
		mu1, mu2   []float64
		cov1, cov2 []float64 // row-major 2×2
	}{
		{"equal", []float64{0, 0}, []float64{0, 0}, []float64{2, 0.5, 0.5, 1}, []float64{2, 0.5, 0.5, 1}},
		{"shifted", []float64{0, 0}, []float64{3, -4}, []float64{1, 0, 0, 1}, []float64{1, 0, 0, 1}},
		{"scaled", []float64{1, 1}, []float64{1, 1}, []float64{1, 0, 0, 1}, []float64{4, 0, 0, 9}},
		{"rotated", []float64{0, 1}, []float64{2, 0}, []float64{3, 1, 1, 2}, []float64{1, -0.8, -0.8, 2.5}},
		{"singular", []float64{0, 0}, []float64{1, 0}, []float64{1, 1, 1, 1}, []float64{2, 0.3, 0.3, 0.5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := &Stats{N: 100, Mean: c.mu1, Cov: mat.NewSymDense(2, c.cov1)}
			b := &Stats{N: 100, Mean: c.mu2, Cov: mat.NewSymDense(2, c.cov2)}
			got, err := FID(a, b)
			require.NoError(t, err)
			var prod mat.Dense
			prod.Mul(mat.NewDense(2, 2, c.cov1), mat.NewDense(2, 2, c.cov2))
			tr, det := mat.Trace(&prod), mat.Det(&prod)
			cross := math.Sqrt(tr + 2*math.Sqrt(math.Max(det, 0)))
			dm := math.Pow(c.mu1[0]-c.mu2[0], 2) + math.Pow(c.mu1[1]-c.mu2[1], 2)
			want := dm + c.cov1[0] + c.cov1[3] + c.cov2[0] + c.cov2[3] - 2*cross
			require.InDelta(t, want, got, 1e-9*math.Max(1, want))
			back, err := FID(b, a)
			require.NoError(t, err)
			require.InDelta(t, got, back, 1e-9*math.Max(1, got), "symmetric")
		})
	}
	_, err := FID(&Stats{Mean: []float64{0}, Cov: mat.NewSymDense(1, []float64{1})}, &Stats{Mean: []float64{0, 0}, Cov: mat.NewSymDense(2, nil)})
	require.ErrorContains(t, err, "1- and 2-dimensional")
}

// TestFIDShiftedGaussians: samples of N(μ₁, σ₁²I) and N(μ₂, σ₂²I) in d
// dimensions have FID ‖μ₁ − μ₂‖² + d(σ₁ − σ₂)² up to sampling error.
func TestFIDShiftedGaussians(t *testing.T) {
	const d, n = 8, 20000
	rng := rand.New(rand.NewPCG(2, 2))
	mu1, mu2 := make([]float64, d), make([]float64, d)
	s1, s2 := make([]float64, d), make([]float64, d)
	var want float64
	for j := range d {
		mu2[j] = float64(j) / 2
		s1[j], s2[j] = 1, 2
		want += mu2[j]*mu2[j] + 1
	}
	a, err := NewStats(gaussian(rng, n, mu1, s1), d)
	require.NoError(t, err)
	b, err := NewStats(gaussian(rng, n, mu2, s2), d)
	require.NoError(t, err)
	got, err := FID(a, b)
	require.NoError(t, err)
	require.InEpsilon(t, want, got, 0.02, "want %.3f got %.3f", want, got)
}

func TestInceptionScore(t *testing.T) {
	onehot := func(n, classes int, class func(i int) int) []float32 {
		p := make([]float32, n*classes)
		for i := range n {
			p[i*classes+class(i)] = 1
		}
		return p
	}
	uniform := make([]float32, 100*4)
	for i := range uniform {
		uniform[i] = 0.25
	}
	// Two classes, samples alternate (0.9, 0.1) and (0.1, 0.9): p(y) is
	// uniform, KL = 0.9 log 1.8 + 0.1 log 0.2 for every sample.
	mixed := make([]float32, 0, 40)
	for i := range 20 {
		if i%2 == 0 {
			mixed = append(mixed, 0.9, 0.1)
		} else {
			mixed = append(mixed, 0.1, 0.9)
		}
	}
	cases := []struct {
		name     string
		probs    []float32
		classes  int
		splits   int
		wantMean float64
		wantStd  float64
	}{
		{"confident and balanced", onehot(1000, 10, func(i int) int { return i % 10 }), 10, 10, 10, 0},
		{"one class", onehot(500, 10, func(int) int { return 3 }), 10, 5, 1, 0},
		{"unsure", uniform, 4, 10, 1, 0},
		{"two classes, hedged", mixed, 2, 2, math.Exp(0.9*math.Log(1.8) + 0.1*math.Log(0.2)), 0},
		// Split 1 is balanced over 5 classes (IS 5), split 2 all one class (IS 1).
		{"splits differ", onehot(20, 10, func(i int) int {
			if i < 10 {
				return i % 5
			}
			return 0
		}), 10, 2, 3, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mean, std, err := InceptionScore(c.probs, c.classes, c.splits)
			require.NoError(t, err)
			require.InDelta(t, c.wantMean, mean, 1e-5)
			require.InDelta(t, c.wantStd, std, 1e-5)
		})
	}
	_, _, err := InceptionScore(uniform, 4, 101)
	require.ErrorContains(t, err, "at least one sample per split")
	_, _, err = InceptionScore([]float32{0.5, 0.5, -0.1}, 3, 1)
	require.ErrorContains(t, err, "-0.1")
	_, _, err = InceptionScore([]float32{0.5, 0.5, 0.1}, 2, 1)
	require.ErrorContains(t, err, "not a whole number")
}

func TestClassCoverage(t *testing.T) {
	hist := func(counts ...int) []float32 {
		var p []float32
		for c, n := range counts {
			for range n {
				row := make([]float32, len(counts))
				row[c] = 0.7
				row[(c+1)%len(counts)] = 0.3
				p = append(p, row...)
			}
		}
		return p
	}
	cases := []struct {
		name    string
		probs   []float32
		covered int
		kl      float64
	}{
		{"one digit", hist(0, 0, 0, 0, 0, 0, 0, 50, 0, 0), 1, math.Log(10)},
		{"balanced", hist(7, 7, 7, 7, 7, 7, 7, 7, 7, 7), 10, 0},
		// n = 100, fair share 10, threshold 1: a class with 1 sample counts.
		{"at the threshold", hist(1, 11, 11, 11, 11, 11, 11, 11, 11, 11), 10, 0},
		{"below the threshold", hist(1, 0, 19, 10, 10, 10, 10, 10, 10, 120), 8, 0},
		{"two of four", hist(5, 5, 0, 0), 2, math.Log(2)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			classes := 10
			if c.name == "two of four" {
				classes = 4
			}
			got, err := ClassCoverage(c.probs, classes)
			require.NoError(t, err)
			require.Equal(t, c.covered, got.Covered, "histogram %v", got.Histogram)
			total := 0
			var kl float64
			for _, h := range got.Histogram {
				total += h
			}
			for _, h := range got.Histogram {
				if h > 0 {
					p := float64(h) / float64(total)
					kl += p * math.Log(p*float64(classes))
				}
			}
			require.InDelta(t, kl, got.KLUniform, 1e-12)
			if c.kl > 0 || c.name == "balanced" {
				require.InDelta(t, c.kl, got.KLUniform, 1e-12)
			}
		})
	}
	_, err := ClassCoverage(nil, 10)
	require.ErrorContains(t, err, "no samples")
}

// prReference is the textbook precision/recall in float64 with sorted
// distance lists, to check the blocked float32 implementation against.
func prReference(real, fake []float32, dim, k int) (float64, float64) {
	dist := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			d := float64(a[i]) - float64(b[i])
			s += d * d
		}
		return s
	}
	radii := func(x []float32) []float64 {
		n := len(x) / dim
		out := make([]float64, n)
		for i := range n {
			var ds []float64
			for j := range n {
				if j != i {
					ds = append(ds, dist(x[i*dim:(i+1)*dim], x[j*dim:(j+1)*dim]))
				}
			}
			for a := 1; a < len(ds); a++ { // insertion sort; the sets are small
				for b := a; b > 0 && ds[b] < ds[b-1]; b-- {
					ds[b], ds[b-1] = ds[b-1], ds[b]
				}
			}
			out[i] = ds[k-1]
		}
		return out
	}
	rr, fr := radii(real), radii(fake)
	in := func(x []float32, set []float32, r []float64) float64 {
		n, hits := len(x)/dim, 0
		for i := range n {
			for j := range r {
				if dist(x[i*dim:(i+1)*dim], set[j*dim:(j+1)*dim]) <= r[j] {
					hits++
					break
				}
			}
		}
		return float64(hits) / float64(n)
	}
	return in(fake, real, rr), in(real, fake, fr)
}

func TestPrecisionRecall(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const dim = 6
	zero, one := make([]float64, dim), make([]float64, dim)
	far, small := make([]float64, dim), make([]float64, dim)
	for j := range dim {
		one[j], far[j], small[j] = 1, 50, 0.1
	}
	real := gaussian(rng, 700, zero, one)
	cases := []struct {
		name       string
		fake       []float32
		k          int
		minP, maxP float64
		minR, maxR float64
	}{
		{"same distribution", gaussian(rng, 600, zero, one), 3, 0.8, 1, 0.8, 1},
		{"far away", gaussian(rng, 600, far, one), 3, 0, 0, 0, 0},
		// A tight cluster at the centre: every sample is realistic, but the
		// real variety is not covered.
		{"collapsed", gaussian(rng, 600, zero, small), 3, 0.99, 1, 0, 0.2},
		{"k = 1", gaussian(rng, 600, zero, one), 1, 0.5, 1, 0.5, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := PrecisionRecall(real, c.fake, dim, c.k)
			require.NoError(t, err)
			wantP, wantR := prReference(real, c.fake, dim, c.k)
			// Float32 distances may flip a point that lies on a ball's
			// boundary to 1e-6; allow a point or two.
			require.InDelta(t, wantP, got.Precision, 2.0/600, "precision")
			require.InDelta(t, wantR, got.Recall, 2.0/700, "recall")
			require.GreaterOrEqual(t, got.Precision, c.minP)
			require.LessOrEqual(t, got.Precision, c.maxP)
			require.GreaterOrEqual(t, got.Recall, c.minR)
			require.LessOrEqual(t, got.Recall, c.maxR)
			require.Equal(t, c.k, got.K)
		})
	}
	_, err := PrecisionRecall(real[:3*dim], real, dim, 3)
	require.ErrorContains(t, err, "more than k points")
	_, err = PrecisionRecall(real, real[:5], dim, 3)
	require.ErrorContains(t, err, "not a whole number")
}
