package diffusion

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// SampleBatch is the largest batch of the sampling graphs. Images are
// drawn in batches of this many (a smaller draw in a graph of its own
// size); every image has a noise stream of its own, so an image does not
// depend on how many are drawn with it.
const SampleBatch = 50

// Sampling methods (SampleConfig.Method).
const (
	// DDIM is the sampler of Song et al. (2021) on Steps of the T steps.
	DDIM = "ddim"
	// DDPM is ancestral sampling (Ho et al. 2020) through all T steps
	// with σ_t² = β_t.
	DDPM = "ddpm"
)

// Methods lists the sampling methods.
var Methods = []string{DDIM, DDPM}

// SampleConfig chooses how images are drawn. The zero value is DDIM with
// 50 steps, η = 1 and no guidance.
type SampleConfig struct {
	Method string // DDIM (default) or DDPM
	// Steps is the number of DDIM steps, spread evenly over the T
	// diffusion steps; 0 means 50 (at most T). DDPM takes all T steps.
	Steps int
	// Eta is DDIM's η, from 0 (the deterministic sampler) to 1 (DDPM's
	// posterior variance); 0 means 1, negative means 0. Fresh noise at
	// each step (η = 1) gives this zoo's models the better samples at
	// DDIM's 50 steps (docs/models/diffusion.md); η = 0 maps each noise
	// to one image, the same at any number of steps. DDPM ignores it.
	Eta float64
	// Guidance is the classifier-free guidance scale w of a conditional
	// model: ε̃ = (1+w)·ε(x, y) − w·ε(x, ∅). 0 uses ε(x, y) alone.
	Guidance float64
}

// defaultSteps is the DDIM steps of the zero SampleConfig.
const defaultSteps = 50

// maxGuidance bounds SampleConfig.Guidance.
const maxGuidance = 1000

// WithDefaults returns c with its zero fields replaced by their defaults
// for a model of T steps, and a negative η by 0.
func (c SampleConfig) WithDefaults(T int) SampleConfig {
	if c.Method == "" {
		c.Method = DDIM
	}
	if c.Steps == 0 {
		c.Steps = min(defaultSteps, T)
	}
	switch {
	case c.Eta == 0:
		c.Eta = 1
	case c.Eta < 0:
		c.Eta = 0
	}
	if c.Method == DDPM {
		c.Steps = T
	}
	return c
}

// Validate reports settings that cannot be used with a model of T steps.
func (c SampleConfig) Validate(T int) error {
	if !slices.Contains(Methods, c.Method) {
		return fmt.Errorf("diffusion: unknown sampler %q (have: %s)", c.Method, strings.Join(Methods, ", "))
	}
	if c.Steps < 1 || c.Steps > T {
		return fmt.Errorf("diffusion: sampling steps must be from 1 to T = %d, got %d", T, c.Steps)
	}
	if !(c.Eta >= 0 && c.Eta <= 1) {
		return fmt.Errorf("diffusion: η must be in [0, 1], got %g", c.Eta)
	}
	if !(c.Guidance >= 0 && c.Guidance <= maxGuidance) {
		return fmt.Errorf("diffusion: guidance must be in [0, %d], got %g", maxGuidance, c.Guidance)
	}
	return nil
}

// timesteps returns the step indices a sampler visits, from the noisiest
// down: all T for DDPM; for DDIM the S indices ⌊i·T/S⌋, i < S, as Song et
// al. spread them. They end at the first step, so that the last update
// (to x_0, where ᾱ = 1) is a small one: a long last step would return the
// posterior mean E[x_0 | x_t] of a noisy x_t, which is smoother than a
// sample.
func (c SampleConfig) timesteps(T int) []int {
	ts := make([]int, c.Steps)
	for i := range ts {
		ts[c.Steps-1-i] = i * T / c.Steps
	}
	return ts
}

// predictor returns the noise prediction ε̂ for k images x at step index t,
// with labels (nil: unconditional) and guidance w, into dst.
type predictor func(x []float32, k, t int, labels []int, w float64, dst []float32) error

// reverse runs the reverse process from the noise in x (k images, drawn
// from rngs, one generator per image) down to x_0, in place. trace, when
// not nil, sees x after each step. x̂_0 is clipped to the pixel range
// [−1, 1] at each step, as Ho et al. and Song et al. do.
func reverse(ctx context.Context, s *Schedule, sc SampleConfig, x []float32, k int, labels []int, rngs []*rand.Rand, predict predictor, trace func([]float32)) error {
	pixels := len(x) / k
	eps := make([]float32, len(x))
	ts := sc.timesteps(s.T())
	for i, t := range ts {
		if err := ctx.Err(); err != nil {
			return err
		}
		prev := -1
		if i+1 < len(ts) {
			prev = ts[i+1]
		}
		if err := predict(x, k, t, labels, sc.Guidance, eps); err != nil {
			return err
		}
		ab, abPrev := s.alphaBar(t), s.alphaBar(prev)
		sqrtAB, sqrt1AB := math.Sqrt(ab), math.Sqrt(1-ab)
		var c0, ct, sigma float64 // x_prev = c0·x̂_0 + ct·(x_t or ε̂) + σ·z
		if sc.Method == DDPM {
			// The posterior mean of q(x_{t−1} | x_t, x̂_0), with σ² = β_t.
			beta := 1 - ab/abPrev
			c0 = math.Sqrt(abPrev) * beta / (1 - ab)
			ct = math.Sqrt(1-beta) * (1 - abPrev) / (1 - ab)
			if prev >= 0 {
				sigma = math.Sqrt(beta)
			}
		} else {
			sigma = sc.Eta * math.Sqrt((1-abPrev)/(1-ab)*(1-ab/abPrev))
			c0 = math.Sqrt(abPrev)
			ct = math.Sqrt(max(1-abPrev-sigma*sigma, 0))
		}
		for r := range k {
			row := x[r*pixels : (r+1)*pixels]
			e := eps[r*pixels : (r+1)*pixels]
			for j, xt := range row {
				x0 := (float64(xt) - sqrt1AB*float64(e[j])) / sqrtAB
				x0 = min(max(x0, -1), 1)
				var v float64
				if sc.Method == DDPM {
					v = c0*x0 + ct*float64(xt)
				} else {
					// ε as x̂_0 was clipped, so that x_prev is consistent with it
					v = c0*x0 + ct*(float64(xt)-sqrtAB*x0)/sqrt1AB
				}
				if sigma > 0 {
					v += sigma * rngs[r].NormFloat64()
				}
				row[j] = float32(v)
			}
		}
		if trace != nil {
			trace(x)
		}
	}
	return nil
}

// Sampler draws images from a trained model on plain []float32 values. It
// is safe for concurrent use: each call borrows a compiled graph from a
// pool, so no graph is run by two goroutines at once. Callers must not
// update the model's parameters while a Sampler is in use.
type Sampler struct {
	model *Model

	mu    sync.Mutex
	pools map[int]*graphs.Pool[*engine] // by batch size
}

// engine is one compiled graph (x_t, temb, y) → ε̂ for SampleBatch images.
type engine struct {
	batch      int
	vm         *graphs.Machine
	x, temb, y *G.Node
	out        *graphs.Result
	cond       []float32 // ε(x, y) of a guided prediction
}

// NewSampler returns a sampler for m's current parameters: the weight
// average when m keeps one.
func NewSampler(m *Model) *Sampler {
	return &Sampler{model: m, pools: map[int]*graphs.Pool[*engine]{}}
}

// pool returns the pool of graphs for batches of batch images.
func (s *Sampler) pool(batch int) *graphs.Pool[*engine] {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pools[batch]
	if !ok {
		p = graphs.NewPool(func() (*engine, error) { return s.build(batch) })
		s.pools[batch] = p
	}
	return p
}

// Config returns the configuration of the underlying model.
func (s *Sampler) Config() Config { return s.model.Config }

// FLOPs returns the floating-point operations of the matrix products and
// convolutions of one network evaluation of a full batch, SampleBatch
// images (a draw runs it once per step and batch, twice with guidance),
// counted from the sampling graph (see graphs.Machine.FLOPs).
func (s *Sampler) FLOPs() (int64, error) {
	pool := s.pool(SampleBatch)
	e, err := pool.Get()
	if err != nil {
		return 0, err
	}
	defer pool.Put(e)
	return e.vm.FLOPs(), nil
}

func (s *Sampler) build(batch int) (*engine, error) {
	cfg := s.model.Config
	b := graphs.NewBuilder()
	e := &engine{
		batch: batch,
		x:     b.Input("x", batch, cfg.Pixels()),
		temb:  b.Input("temb", batch, cfg.UNet.TimeDim),
	}
	e.y = s.model.labelInput(b, "y", batch)
	e.out = b.Keep(s.model.Sampler().Forward(b, e.x, e.temb, e.y))
	vm, err := b.Compile()
	if err != nil {
		return nil, fmt.Errorf("diffusion: building the sampling graph: %w", err)
	}
	e.vm = vm
	return e, nil
}

// predict is the engine's predictor for k ≤ e.batch images.
func (s *Sampler) predict(e *engine) predictor {
	cfg := s.model.Config
	pixels, dim, classes := cfg.Pixels(), cfg.UNet.TimeDim, cfg.Classes()
	ts := make([]int, e.batch)
	return func(x []float32, k, t int, labels []int, w float64, dst []float32) error {
		copy(graphs.Value(e.x).Data().([]float32), x[:k*pixels])
		clear(graphs.Value(e.x).Data().([]float32)[k*pixels:])
		for i := range ts {
			ts[i] = t
		}
		TimestepEmbedding(ts, dim, graphs.Value(e.temb).Data().([]float32))
		if e.y != nil {
			y := graphs.Value(e.y).Data().([]float32)
			if err := graphs.OneHot(y[:k*classes], labels, classes); err != nil {
				return fmt.Errorf("diffusion: %w", err)
			}
			clear(y[k*classes:])
		}
		if err := e.vm.Run(); err != nil {
			return fmt.Errorf("diffusion: sampling: %w", err)
		}
		copy(dst, e.out.Float32s()[:k*pixels])
		if e.y == nil || w == 0 {
			return nil
		}
		// The unconditional prediction, with the null label.
		e.cond = append(e.cond[:0], dst[:k*pixels]...)
		clear(graphs.Value(e.y).Data().([]float32))
		if err := e.vm.Run(); err != nil {
			return fmt.Errorf("diffusion: sampling: %w", err)
		}
		Guide(dst[:k*pixels], e.cond, e.out.Float32s()[:k*pixels], w)
		return nil
	}
}

// Guide writes the classifier-free guided prediction ε̃ = (1+w)·cond −
// w·uncond into dst.
func Guide(dst, cond, uncond []float32, w float64) {
	for i := range dst {
		dst[i] = float32((1+w)*float64(cond[i]) - w*float64(uncond[i]))
	}
}

// Sample draws n images with pixels in [0, 1] from noise seeded by seed:
// the same seed and settings give the same images, however many are drawn
// at once (each image has a noise stream of its own). class −1 draws a
// conditional model's classes uniformly (and is the only choice of an
// unconditional model); class ≥ 0 draws that class only, from the same
// noise. A cancelled ctx stops it between steps with ctx's error.
func (s *Sampler) Sample(ctx context.Context, n int, seed uint64, class int, sc SampleConfig) ([]float32, error) {
	return s.sample(ctx, n, seed, class, sc, nil)
}

// sample is Sample; trace, when not nil, sees the first batch after each
// step.
func (s *Sampler) sample(ctx context.Context, n int, seed uint64, class int, sc SampleConfig, trace func([]float32)) ([]float32, error) {
	labels, err := s.Labels(n, seed, class)
	if err != nil {
		return nil, err
	}
	noise := make([]int, n)
	for i := range noise {
		noise[i] = i
	}
	return s.draw(ctx, seed, noise, labels, sc, trace)
}

// draw draws len(noise) images, image i from the noise stream noise[i] of
// seed and with labels[i] (labels is nil for an unconditional model).
func (s *Sampler) draw(ctx context.Context, seed uint64, noise, labels []int, sc SampleConfig, trace func([]float32)) ([]float32, error) {
	cfg := s.model.Config
	sc = sc.WithDefaults(cfg.T)
	if err := sc.Validate(cfg.T); err != nil {
		return nil, err
	}
	n, pixels := len(noise), cfg.Pixels()
	if err := graphs.CheckDraw("diffusion", n, pixels, pixels, cfg.MaxMemory); err != nil {
		return nil, err
	}
	out := make([]float32, n*pixels)
	for start := 0; start < n; start += SampleBatch {
		k := min(SampleBatch, n-start)
		// A graph of k rows, but of two for one: a one-row product is a
		// matrix-vector product, which rounds differently from the rows of
		// a larger batch, and an image must not depend on the draw it is
		// part of.
		pool := s.pool(max(2, k))
		e, err := pool.Get()
		if err != nil {
			return nil, err
		}
		x := out[start*pixels : (start+k)*pixels]
		rngs := make([]*rand.Rand, k)
		for r := range rngs {
			rngs[r] = imageNoise(seed, noise[start+r])
			for j := range pixels {
				x[r*pixels+j] = float32(rngs[r].NormFloat64())
			}
		}
		var ys []int
		if labels != nil {
			ys = labels[start : start+k]
		}
		err = reverse(ctx, s.model.schedule, sc, x, k, ys, rngs, s.predict(e), trace)
		pool.Put(e)
		if err != nil {
			return nil, err
		}
		trace = nil
	}
	for i, v := range out {
		out[i] = toUnit(v)
	}
	return out, nil
}

// imageNoise returns the noise generator of image i of a seed.
func imageNoise(seed uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15*uint64(i+1)))
}

// toUnit maps a pixel of [−1, 1] to [0, 1], clipping what lies outside.
func toUnit(v float32) float32 { return (min(max(v, -1), 1) + 1) / 2 }

// Labels returns the classes that Sample(n, seed, class) draws: nil for an
// unconditional model, n times class for class ≥ 0, and uniform draws from
// a stream of their own for class −1.
func (s *Sampler) Labels(n int, seed uint64, class int) ([]int, error) {
	classes := s.model.Config.Classes()
	if class >= 0 && classes == 0 {
		return nil, fmt.Errorf("diffusion: the model is not class-conditional; cannot draw class %d", class)
	}
	labels, err := graphs.DrawLabels(n, classes, class, rand.New(rand.NewPCG(seed, 0x1f83d9ab)))
	if err != nil {
		return nil, fmt.Errorf("diffusion: %w", err)
	}
	return labels, nil
}

// Trajectory draws one image as Sample(1, seed, class, sc) does and returns
// it at every step, from the noise x_T to the image: steps+1 images with
// pixels in [0, 1] (clipped), one after another.
func (s *Sampler) Trajectory(ctx context.Context, seed uint64, class int, sc SampleConfig) ([]float32, error) {
	var frames []float32
	first := true
	_, err := s.sample(ctx, 1, seed, class, sc, func(x []float32) {
		if first {
			// The noise, before the first step changes it: rebuilt from
			// its stream, as sample drew it.
			rng := imageNoise(seed, 0)
			for range x {
				frames = append(frames, toUnit(float32(rng.NormFloat64())))
			}
			first = false
		}
		for _, v := range x {
			frames = append(frames, toUnit(v))
		}
	})
	if err != nil {
		return nil, err
	}
	return frames, nil
}
