package diffusion

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
)

func TestSchedules(t *testing.T) {
	cases := []struct {
		name        string
		T           int
		first, last float64 // β at steps 1 and T; 0: not checked
	}{
		{Linear, 1000, 1e-4, 0.02},
		{Linear, 10, 1e-4, 0.02},
		{Cosine, 1000, 0, maxBeta},
		{Cosine, 50, 0, maxBeta},
	}
	for _, c := range cases {
		s, err := NewSchedule(c.name, c.T)
		require.NoError(t, err)
		require.Equal(t, c.T, s.T())
		if c.first != 0 {
			require.InDelta(t, c.first, s.Betas[0], 1e-15, c.name)
		}
		require.InDelta(t, c.last, s.Betas[c.T-1], 1e-12, c.name)
		prev := 1.0
		for i, ab := range s.AlphaBars {
			require.Less(t, ab, prev, "%s: ᾱ must fall at step %d", c.name, i+1)
			require.Greater(t, ab, 0.0)
			require.LessOrEqual(t, s.Betas[i], maxBeta)
			prev = ab
		}
	}
	// Ho et al.'s linear schedule leaves almost no signal at T = 1000.
	s, err := NewSchedule(Linear, 1000)
	require.NoError(t, err)
	require.InDelta(t, 4.04e-5, s.AlphaBars[999], 1e-6)
	require.InDelta(t, 1e-4+(0.02-1e-4)*500/999, s.Betas[500], 1e-15)

	// The cosine schedule's ᾱ_t is f(t)/f(0) wherever β is not clipped.
	const T = 1000
	s, err = NewSchedule(Cosine, T)
	require.NoError(t, err)
	f := func(t float64) float64 { return math.Pow(math.Cos((t/T+0.008)/1.008*math.Pi/2), 2) }
	for _, step := range []int{1, 10, 250, 500, 900} {
		require.InEpsilon(t, f(float64(step))/f(0), s.AlphaBars[step-1], 1e-9, "step %d", step)
	}

	_, err = NewSchedule("quadratic", 10)
	require.ErrorContains(t, err, "unknown schedule")
	_, err = NewSchedule(Linear, 0)
	require.Error(t, err)
}

// TestDiffuseClosedForm draws x_t from q(x_t | x_0) many times and
// compares the sample mean and variance of every coordinate with √ᾱ_t x_0
// and 1 − ᾱ_t, within five standard errors.
func TestDiffuseClosedForm(t *testing.T) {
	s, err := NewSchedule(Cosine, 1000)
	require.NoError(t, err)
	x0 := []float32{-1, -0.3, 0, 0.5, 1}
	const n = 20000
	rng := rand.New(rand.NewPCG(3, 4))
	eps := make([]float32, len(x0))
	xt := make([]float32, len(x0))
	for _, step := range []int{0, 99, 499, 999} {
		ab := s.AlphaBars[step]
		sum, sq := make([]float64, len(x0)), make([]float64, len(x0))
		for range n {
			graphs.FillNormal(eps, rng)
			s.Diffuse(xt, x0, eps, step)
			for i, v := range xt {
				sum[i] += float64(v)
				sq[i] += float64(v) * float64(v)
			}
		}
		for i := range x0 {
			mean := sum[i] / n
			variance := sq[i]/n - mean*mean
			wantVar := 1 - ab
			require.InDelta(t, math.Sqrt(ab)*float64(x0[i]), mean, 5*math.Sqrt(wantVar/n), "mean at step %d, x0 %v", step+1, x0[i])
			// The variance of a sample variance of normal draws is 2σ⁴/(n−1).
			require.InDelta(t, wantVar, variance, 5*wantVar*math.Sqrt(2.0/n), "variance at step %d, x0 %v", step+1, x0[i])
		}
	}
}

// gaussianPredictor is the exact noise predictor E[ε | x_t] of data drawn
// from N(μ, diag σ²): x_t is then N(√ᾱ μ, ᾱσ² + 1 − ᾱ), and
// E[ε | x_t] = √(1−ᾱ) (x_t − √ᾱ μ) / (ᾱσ² + 1 − ᾱ).
func gaussianPredictor(s *Schedule, mu, sigma []float64) predictor {
	return func(x []float32, k, t int, _ []int, _ float64, dst []float32) error {
		ab := s.AlphaBars[t]
		d := len(mu)
		for i := range x[:k*d] {
			m, v := math.Sqrt(ab)*mu[i%d], ab*sigma[i%d]*sigma[i%d]+1-ab
			dst[i] = float32(math.Sqrt(1-ab) * (float64(x[i]) - m) / v)
		}
		return nil
	}
}

// sampleGaussian draws n samples of the 2-D Gaussian N(μ, diag σ²) with
// its exact noise predictor and returns each coordinate's mean and
// standard deviation.
func sampleGaussian(t *testing.T, s *Schedule, sc SampleConfig, mu, sigma []float64, n int) (mean, std []float64) {
	sc = sc.WithDefaults(s.T())
	require.NoError(t, sc.Validate(s.T()))
	d := len(mu)
	x := make([]float32, n*d)
	rngs := make([]*rand.Rand, n)
	for r := range rngs {
		rngs[r] = imageNoise(9, r)
		for j := range d {
			x[r*d+j] = float32(rngs[r].NormFloat64())
		}
	}
	require.NoError(t, reverse(context.Background(), s, sc, x, n, nil, rngs, gaussianPredictor(s, mu, sigma), nil))
	for j := range d {
		var sum, sq float64
		for r := range n {
			v := float64(x[r*d+j])
			sum += v
			sq += v * v
		}
		m := sum / float64(n)
		mean, std = append(mean, m), append(std, math.Sqrt(sq/float64(n)-m*m))
	}
	return mean, std
}

// TestSamplersReproduceGaussian plugs the exact noise predictor of a 2-D
// Gaussian into the samplers that follow the reverse process closely (DDPM
// and DDIM through all T steps): the samples' mean must be within 0.02 of
// the data's and their standard deviation within 4% (with 4000 samples
// the standard errors are about 0.005 and 1.1%).
func TestSamplersReproduceGaussian(t *testing.T) {
	mu, sigma := []float64{0.2, -0.3}, []float64{0.3, 0.15}
	cases := []struct {
		schedule string
		sc       SampleConfig
	}{
		{Linear, SampleConfig{Method: DDPM}},
		{Cosine, SampleConfig{Method: DDPM}},
		{Linear, SampleConfig{Steps: 1000, Eta: -1}}, // η = 0
		{Cosine, SampleConfig{Steps: 1000, Eta: -1}},
		{Linear, SampleConfig{Steps: 1000}}, // η = 1
		{Cosine, SampleConfig{Steps: 1000, Eta: 0.5}},
	}
	for _, c := range cases {
		s, err := NewSchedule(c.schedule, 1000)
		require.NoError(t, err)
		mean, std := sampleGaussian(t, s, c.sc, mu, sigma, 4000)
		for d := range mu {
			require.InDelta(t, mu[d], mean[d], 0.02, "%s %+v: mean of coordinate %d", c.schedule, c.sc, d)
			require.InEpsilon(t, sigma[d], std[d], 0.04, "%s %+v: standard deviation of coordinate %d", c.schedule, c.sc, d)
		}
	}
}

// TestDDIMExactMap checks few-step deterministic DDIM against its exact
// value on Gaussian data. With the exact predictor each step maps the
// centred x_t − √ᾱ μ linearly,
//
//	y' = y · (√(ᾱ'ᾱ) σ² + √((1−ᾱ')(1−ᾱ))) / (ᾱσ² + 1 − ᾱ),
//
// which shrinks the spread a little for every step taken (by
// Cauchy–Schwarz), so few steps give samples narrower than the data. From
// x_T ~ N(0, 1) the samples are N(μ − R √ᾱ_top μ, R²), R the product of
// the factors: their mean must be within 0.015 and their standard
// deviation within 3% of these.
func TestDDIMExactMap(t *testing.T) {
	mu, sigma := []float64{0.2, -0.3}, []float64{0.3, 0.15}
	for _, schedule := range Schedules {
		for _, steps := range []int{5, 20, 100} {
			s, err := NewSchedule(schedule, 1000)
			require.NoError(t, err)
			sc := SampleConfig{Steps: steps, Eta: -1} // η = 0
			mean, std := sampleGaussian(t, s, sc, mu, sigma, 4000)
			ts := sc.WithDefaults(s.T()).timesteps(s.T())
			for d := range mu {
				v := sigma[d] * sigma[d]
				r := 1.0
				for i, step := range ts {
					a, b := s.alphaBar(step), 1.0
					if i+1 < len(ts) {
						b = s.alphaBar(ts[i+1])
					}
					r *= (math.Sqrt(a*b)*v + math.Sqrt((1-a)*(1-b))) / (a*v + 1 - a)
				}
				wantMean := mu[d] - r*math.Sqrt(s.alphaBar(ts[0]))*mu[d]
				require.InDelta(t, wantMean, mean[d], 0.015, "%s, %d steps: mean of coordinate %d", schedule, steps, d)
				require.InEpsilon(t, r, std[d], 0.03, "%s, %d steps: standard deviation of coordinate %d", schedule, steps, d)
			}
		}
	}
}

// TestDDIMDeterministic requires η = 0 to ignore the per-step noise
// streams, and η > 0 and DDPM to use them.
func TestDDIMDeterministic(t *testing.T) {
	s, err := NewSchedule(Linear, 100)
	require.NoError(t, err)
	mu, sigma := []float64{0.1}, []float64{0.4}
	run := func(sc SampleConfig, stream uint64) []float32 {
		sc = sc.WithDefaults(s.T())
		x := []float32{0.3, -1.2, 0.8}
		rngs := make([]*rand.Rand, len(x))
		for r := range rngs {
			rngs[r] = rand.New(rand.NewPCG(stream, uint64(r)))
		}
		require.NoError(t, reverse(context.Background(), s, sc, x, len(x), nil, rngs, gaussianPredictor(s, mu, sigma), nil))
		return x
	}
	require.Equal(t, run(SampleConfig{Steps: 10, Eta: -1}, 1), run(SampleConfig{Steps: 10, Eta: -0.5}, 2), "η = 0")
	require.NotEqual(t, run(SampleConfig{Steps: 10}, 1), run(SampleConfig{Steps: 10}, 2), "the default η = 1")
	require.NotEqual(t, run(SampleConfig{Steps: 10, Eta: 0.1}, 1), run(SampleConfig{Steps: 10, Eta: 0.1}, 2))
	require.NotEqual(t, run(SampleConfig{Method: DDPM}, 1), run(SampleConfig{Method: DDPM}, 2))
}

func TestTimesteps(t *testing.T) {
	cases := []struct {
		sc   SampleConfig
		T    int
		want []int
	}{
		{SampleConfig{Steps: 4}, 100, []int{75, 50, 25, 0}},
		{SampleConfig{Steps: 3}, 10, []int{6, 3, 0}},
		{SampleConfig{Steps: 3}, 3, []int{2, 1, 0}},
		{SampleConfig{Method: DDPM}, 3, []int{2, 1, 0}},
		{SampleConfig{}, 1000, nil},
	}
	for _, c := range cases {
		ts := c.sc.WithDefaults(c.T).timesteps(c.T)
		if c.want == nil {
			require.Len(t, ts, defaultSteps)
			require.Equal(t, c.T-c.T/defaultSteps, ts[0])
			require.Equal(t, 0, ts[len(ts)-1])
			continue
		}
		require.Equal(t, c.want, ts)
	}
}

func TestSampleConfigValidate(t *testing.T) {
	cases := []struct {
		sc  SampleConfig
		err string
	}{
		{SampleConfig{Method: "euler"}, "unknown sampler"},
		{SampleConfig{Steps: 2000}, "sampling steps"},
		{SampleConfig{Steps: -1}, "sampling steps"},
		{SampleConfig{Eta: 1.5}, "η"},
		{SampleConfig{Eta: math.NaN()}, "η"},
		{SampleConfig{Guidance: -1}, "guidance"},
		{SampleConfig{Guidance: math.Inf(1)}, "guidance"},
	}
	for _, c := range cases {
		require.ErrorContains(t, c.sc.WithDefaults(1000).Validate(1000), c.err, "%+v", c.sc)
	}
	require.NoError(t, SampleConfig{Guidance: 3, Eta: 1, Steps: 1000}.WithDefaults(1000).Validate(1000))
	for _, c := range []struct{ eta, want float64 }{{0, 1}, {-1, 0}, {-0.5, 0}, {0.25, 0.25}, {1, 1}} {
		require.Equal(t, c.want, SampleConfig{Eta: c.eta}.WithDefaults(1000).Eta, "η %g", c.eta)
	}
}

// TestLossGradient checks the gradient of the whole loss on a small
// denoiser against float64 finite differences.
func TestLossGradient(t *testing.T) {
	for _, classes := range []int{0, 3} {
		const pixels, timeDim, batch = 6, 4, 5
		net := newToyNet("unet", pixels, timeDim, classes, 7, rand.New(rand.NewPCG(1, 2)))
		p64 := net.Params().ToFloat64()
		net64 := &toyNet{FC1: &graphs.Linear{Weight: p64[0], Bias: p64[1]}, FC2: &graphs.Linear{Weight: p64[2], Bias: p64[3]}}
		rng := rand.New(rand.NewPCG(5, 6))
		require.NoError(t, testutil.GradCheck(p64, func(b *graphs.Builder) *G.Node {
			xt, temb, eps := b.Input("x_t", batch, pixels), b.Input("temb", batch, timeDim), b.Input("eps", batch, pixels)
			testutil.FillNormal(t, xt, rng, 1)
			testutil.FillNormal(t, temb, rng, 1)
			testutil.FillNormal(t, eps, rng, 1)
			var y *G.Node
			if classes > 0 {
				y = b.Input("y", batch, classes)
				testutil.FillNormal(t, y, rng, 1)
			}
			return Loss(b, net64, xt, temb, y, eps)
		}, 0, 1e-6), "classes %d", classes)
	}
}
