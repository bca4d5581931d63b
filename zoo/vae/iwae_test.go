package vae

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
)

// gaussianToy is the linear-Gaussian model p(z) = N(0, I),
// p(x|z) = N(x; z, s²I), whose evidence and posterior are known:
// p(x) = N(x; 0, (1+s²)I) and p(z|x) = N(x/(1+s²), s²/(1+s²)·I).
type gaussianToy struct {
	s2 float64
	xs [][]float64
}

func newToy(n, d int, s2 float64, seed uint64) *gaussianToy {
	rng := rand.New(rand.NewPCG(seed, 1))
	toy := &gaussianToy{s2: s2}
	for range n {
		x := make([]float64, d)
		for j := range x {
			x[j] = rng.NormFloat64() * math.Sqrt(1+s2)
		}
		toy.xs = append(toy.xs, x)
	}
	return toy
}

func (g *gaussianToy) logEvidence(i int) float64 {
	var l float64
	for _, x := range g.xs[i] {
		l += -0.5 * (x*x/(1+g.s2) + math.Log(2*math.Pi*(1+g.s2)))
	}
	return l
}

// posterior returns q's parameters: the exact posterior moved by shift
// and with its log-variance widened by widen (both 0: exact).
func (g *gaussianToy) posterior(shift, widen float64) (mu, logvar []float32) {
	for _, x := range g.xs {
		for _, xv := range x {
			mu = append(mu, float32(xv/(1+g.s2)+shift))
			logvar = append(logvar, float32(math.Log(g.s2/(1+g.s2))+widen))
		}
	}
	return mu, logvar
}

func (g *gaussianToy) ll(z []float32, rows []int, out []float64) error {
	d := len(g.xs[0])
	for r, i := range rows {
		var l float64
		for j, x := range g.xs[i] {
			diff := x - float64(z[r*d+j])
			l += -0.5 * (diff*diff/g.s2 + math.Log(2*math.Pi*g.s2))
		}
		out[r] = l
	}
	return nil
}

// TestIWAEExactPosterior: with q the exact posterior every importance
// weight equals p(x), so the bound is log p(x) for any k.
func TestIWAEExactPosterior(t *testing.T) {
	toy := newToy(20, 3, 0.5, 1)
	mu, logvar := toy.posterior(0, 0)
	for _, k := range []int{1, 7, 100} {
		got, err := iwaeBounds(mu, logvar, 3, k, 13, rand.New(rand.NewPCG(2, 2)), toy.ll)
		require.NoError(t, err)
		require.Len(t, got, 20)
		for i, b := range got {
			require.InDelta(t, toy.logEvidence(i), b, 1e-5, "k=%d image %d", k, i)
		}
	}
}

// TestIWAETightensWithK: with an imperfect q the bound rises with k
// towards log p(x), and k = 1 averages to the analytic ELBO
// log p(x) − KL(q ‖ p(z|x)). Gaps are measured per image against the
// known log p(x), which removes the spread of log p(x) across images
// from the standard errors.
func TestIWAETightensWithK(t *testing.T) {
	const n, d, shift, widen = 300, 2, 0.8, 0.3
	toy := newToy(n, d, 0.3, 3)
	mu, logvar := toy.posterior(shift, widen)
	postVar := 0.3 / 1.3
	qVar := postVar * math.Exp(widen)
	// KL(N(m+shift, qVar) ‖ N(m, postVar)) over the d dimensions.
	kl := d * 0.5 * (qVar/postVar + shift*shift/postVar - 1 - math.Log(qVar/postVar))
	gap := func(k int) (float64, float64) {
		b, err := iwaeBounds(mu, logvar, d, k, 64, rand.New(rand.NewPCG(uint64(k), 9)), toy.ll)
		require.NoError(t, err)
		var m, m2 float64
		for i, v := range b {
			g := v - toy.logEvidence(i)
			m += g / n
			m2 += g * g / n
		}
		return m, math.Sqrt((m2 - m*m) / n) // mean gap and its standard error
	}
	g1, se1 := gap(1)
	require.InDelta(t, -kl, g1, 4*se1, "k=1 is the ELBO in expectation")
	g10, _ := gap(10)
	g100, _ := gap(100)
	g1000, se1000 := gap(1000)
	t.Logf("gaps k=1 %.4f±%.4f k=10 %.4f k=100 %.4f k=1000 %.4f±%.4f", g1, se1, g10, g100, g1000, se1000)
	require.Less(t, g1, g10)
	require.Less(t, g10, g100)
	require.Less(t, g100, g1000)
	require.Less(t, g1000, 4*se1000, "the bound stays below log p(x) up to noise")
	require.Less(t, -g1000, -g1/20, "k=1000 closes most of the gap")
}

// TestIWAEChunking: how the samples are cut into decoder chunks does not
// change the estimate, including chunks that straddle images.
func TestIWAEChunking(t *testing.T) {
	toy := newToy(5, 2, 0.5, 4)
	mu, logvar := toy.posterior(0.3, -0.2)
	var want []float64
	for _, chunk := range []int{1, 3, 7, 50, 1000} {
		got, err := iwaeBounds(mu, logvar, 2, 9, chunk, rand.New(rand.NewPCG(5, 5)), toy.ll)
		require.NoError(t, err)
		if want == nil {
			want = got
			continue
		}
		require.InDeltaSlice(t, want, got, 1e-12, "chunk %d", chunk)
	}
	_, err := iwaeBounds(mu, logvar[:3], 2, 9, 4, rand.New(rand.NewPCG(5, 5)), toy.ll)
	require.Error(t, err)
	_, err = iwaeBounds(mu, logvar, 2, 0, 4, rand.New(rand.NewPCG(5, 5)), toy.ll)
	require.ErrorContains(t, err, "k = 0")
}

// TestIWAEFarFromZero: log weights of −10⁴ and +800, where exp
// underflows to 0 or overflows to +Inf, still give exact bounds.
func TestIWAEFarFromZero(t *testing.T) {
	// q = p(z) = N(0, 1), so each log weight is the log-likelihood alone.
	mu, logvar := []float32{0, 0}, []float32{0, 0}
	ll := func(_ []float32, rows []int, out []float64) error {
		for r, i := range rows {
			out[r] = []float64{-1e4, 800}[i]
		}
		return nil
	}
	b, err := iwaeBounds(mu, logvar, 1, 50, 8, rand.New(rand.NewPCG(1, 1)), ll)
	require.NoError(t, err)
	require.InDelta(t, -1e4, b[0], 1e-9)
	require.InDelta(t, 800, b[1], 1e-9)
}

// TestTesterOnModel: on a real (small, briefly trained) model the test
// loss and the IWAE bound with k = 1 estimate the same number; more
// samples give a lower NLL bound; chunk and batch sizes do not matter;
// and repeated calls repeat exactly.
func TestTesterOnModel(t *testing.T) {
	set := datasets.Synthetic(300, 5)
	m, err := New(Config{Hidden: []int{48}, Z: 4}, 4)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 50}, 4)
	require.NoError(t, err)
	loader, err := datasets.NewLoader(set, 50, 4, datasets.ScaleUnit)
	require.NoError(t, err)
	images := make([]float32, 50*784)
	for i := range 30 {
		require.NoError(t, loader.Fill(i/6, i%6, images, nil))
		_, err := s.Run(images, nil)
		require.NoError(t, err)
	}
	tester, err := NewTester(m, set, TestConfig{Batch: 64, Chunk: 200, Seed: 1})
	require.NoError(t, err)
	loss, err := tester.Loss(context.Background())
	require.NoError(t, err)
	require.InDelta(t, loss.BCE+loss.KL, loss.Loss, 1e-9)
	again, err := tester.Loss(context.Background())
	require.NoError(t, err)
	require.Equal(t, loss, again, "a fixed seed makes the test loss repeatable")

	k1, err := tester.IWAE(context.Background(), 1, 0)
	require.NoError(t, err)
	k20, err := tester.IWAE(context.Background(), 20, 0)
	require.NoError(t, err)
	require.InDelta(t, loss.Loss, k1, 0.02*loss.Loss, "test loss %v, IWAE k=1 %v", loss.Loss, k1)
	require.Less(t, k20, k1)
	require.Less(t, k20, loss.Loss)

	other, err := NewTester(m, set, TestConfig{Batch: 7, Chunk: 33, Seed: 1})
	require.NoError(t, err)
	k20b, err := other.IWAE(context.Background(), 20, 0)
	require.NoError(t, err)
	require.InDelta(t, k20, k20b, 1e-4, "batching does not change the estimate")
	lossB, err := other.Loss(context.Background())
	require.NoError(t, err)
	require.InDelta(t, loss.Loss, lossB.Loss, 1e-4)

	part, err := tester.IWAE(context.Background(), 20, 10)
	require.NoError(t, err)
	require.NotEqual(t, k20, part, "n = 10 uses only ten images")
	_, err = tester.IWAE(context.Background(), 0, 0)
	require.Error(t, err)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = tester.Loss(cancelled)
	require.ErrorIs(t, err, context.Canceled)
	_, err = tester.IWAE(cancelled, 20, 0)
	require.ErrorIs(t, err, context.Canceled)

	_, err = NewTester(m, datasets.Synthetic(0, 1), TestConfig{})
	require.Error(t, err)
	small := &datasets.Set{Images: make([]uint8, 2*4), N: 2, H: 2, W: 2}
	_, err = NewTester(m, small, TestConfig{})
	require.ErrorContains(t, err, "2x2")
}

// TestTesterBinarisesOnce: a binarising model is tested on one fixed
// binary draw of the test images, the same for every tester with that seed.
func TestTesterBinarisesOnce(t *testing.T) {
	set := datasets.Synthetic(20, 6)
	m, err := New(Config{Hidden: []int{8}, Z: 2, Binarize: true}, 1)
	require.NoError(t, err)
	a, err := NewTester(m, set, TestConfig{Seed: 3})
	require.NoError(t, err)
	b, err := NewTester(m, set, TestConfig{Seed: 3})
	require.NoError(t, err)
	c, err := NewTester(m, set, TestConfig{Seed: 4})
	require.NoError(t, err)
	ia := a.Images(0, 20)
	require.Equal(t, ia, b.Images(0, 20))
	require.NotEqual(t, ia, c.Images(0, 20))
	var ones int
	grey := 0
	for i, p := range ia {
		require.True(t, p == 0 || p == 1, "pixel %d is %v", i, p)
		if p == 1 {
			ones++
		}
		if v := set.Images[i]; v > 0 && v < 255 {
			grey++
		}
	}
	require.Positive(t, grey, "the synthetic set has grey pixels to binarise")
	require.Positive(t, ones)
	require.Len(t, a.Images(15, 10), 5*784, "clipped at the end of the set")
}
