package diffusion

import (
	"context"
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/optim"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// TrainConfig holds the optimisation settings of a diffusion run. Its zero
// value is the [Preset]'s: batch 128, Adam 1e-3 with PyTorch's default
// betas.
type TrainConfig struct {
	Batch int     // images per step; 0 means 128
	LR    float64 // Adam learning rate; 0 means 1e-3
	// Beta1 and Beta2 are Adam's betas; 0 means 0.9 and 0.999, negative
	// means 0.
	Beta1, Beta2 float64
	// PreviewSeed seeds the noise of the per-epoch sample grid and strip.
	PreviewSeed uint64
	// PreviewSteps is the DDIM steps of the previews; 0 means 20.
	PreviewSteps int
}

// defaultTraining is the zero TrainConfig's settings.
var defaultTraining = TrainConfig{Batch: 128, LR: 1e-3, Beta1: 0.9, Beta2: 0.999, PreviewSteps: 20}

// WithDefaults returns c with zero fields replaced by their defaults.
func (c TrainConfig) WithDefaults() TrainConfig {
	d := defaultTraining
	if c.Batch == 0 {
		c.Batch = d.Batch
	}
	if c.LR == 0 {
		c.LR = d.LR
	}
	if c.Beta1 == 0 {
		c.Beta1 = d.Beta1
	}
	if c.Beta2 == 0 {
		c.Beta2 = d.Beta2
	}
	if c.PreviewSteps == 0 {
		c.PreviewSteps = d.PreviewSteps
	}
	return c
}

// previewSamples is the number of images in the samples grid: one batch
// of the sampling graph, ten columns (one per class of a conditional
// model of ten classes).
const previewSamples = SampleBatch

// Step trains a diffusion model: each call draws a step t and noise ε per
// image, runs the one training graph (ε̂ and the loss with its gradient),
// one Adam update and one update of the weight average. It implements
// [trainer.Model].
type Step struct {
	Model *Model
	Opt   *optim.Adam
	EMA   *optim.EMA // nil without Config.EMA
	Noise *rand.PCG  // source of t, ε and label drops; part of the run's state

	batch int
	rng   *rand.Rand
	train *graphs.TrainGraph
	// inputs: x_t, the timestep embeddings, ε and the one-hot labels (nil
	// for an unconditional model)
	x, temb, eps, y *G.Node
	loss            *graphs.Result
	ts              []int
	x0              []float32

	preview     *Sampler
	previewSeed uint64
	previewSC   SampleConfig
}

// NewStep builds and compiles the training graph for m with tc's batch size
// and optimiser. t, ε and label drops are drawn from a generator seeded
// with seed.
func NewStep(m *Model, tc TrainConfig, seed uint64) (*Step, error) {
	tc = tc.WithDefaults()
	if tc.Batch < 1 {
		return nil, fmt.Errorf("diffusion: batch size %d must be positive", tc.Batch)
	}
	cfg := m.Config
	s := &Step{
		Model:       m,
		Opt:         optim.NewAdam(m.Net.Params().Trainable(), tc.LR, max(tc.Beta1, 0), max(tc.Beta2, 0)),
		Noise:       rand.NewPCG(seed, 0xa54ff53a),
		batch:       tc.Batch,
		ts:          make([]int, tc.Batch),
		x0:          make([]float32, tc.Batch*cfg.Pixels()),
		previewSeed: tc.PreviewSeed,
		previewSC:   SampleConfig{Steps: min(tc.PreviewSteps, cfg.T), Eta: -1}, // η = 0
	}
	s.rng = rand.New(s.Noise)
	if m.NetEMA != nil {
		ema, err := optim.NewEMA(m.Net.Params(), m.NetEMA.Params(), cfg.EMA)
		if err != nil {
			return nil, err
		}
		s.EMA = ema
	}
	b := graphs.NewBuilder()
	b.Training = true
	s.x = b.Input("x_t", tc.Batch, cfg.Pixels())
	s.temb = b.Input("temb", tc.Batch, cfg.UNet.TimeDim)
	s.eps = b.Input("eps", tc.Batch, cfg.Pixels())
	s.y = m.labelInput(b, "y", tc.Batch)
	loss := Loss(b, m.Net, s.x, s.temb, s.y, s.eps)
	s.loss = b.Keep(loss)
	var err error
	if s.train, err = graphs.NewTrainGraph(b, loss, m.Net.Params().Trainable()); err != nil {
		return nil, fmt.Errorf("diffusion: building the training graph: %w", err)
	}
	s.preview = NewSampler(m)
	return s, nil
}

// Run performs one update on Batch images with pixels in [−1, 1] (a batch
// in another scale is refused) and returns the loss. labels are the
// images' classes, which a conditional model needs and an unconditional
// one ignores (nil). Each image gets a step t drawn uniformly from 1 … T
// and noise ε ~ N(0, I); a conditional model sees the null label instead
// of the image's with probability Config.CondDrop.
func (s *Step) Run(images []float32, labels []int) (float64, error) {
	cfg := s.Model.Config
	pixels := cfg.Pixels()
	if len(images) != s.batch*pixels {
		return 0, fmt.Errorf("diffusion: batch holds %d values, want %d (%d images of %d pixels)", len(images), s.batch*pixels, s.batch, pixels)
	}
	if err := graphs.CheckPixels(images, pixels, -1, 1); err != nil {
		return 0, fmt.Errorf("diffusion: %w", err)
	}
	if s.y != nil {
		if err := graphs.CheckLabels(labels, s.batch, cfg.Classes()); err != nil {
			return 0, fmt.Errorf("diffusion: %w", err)
		}
	}
	for i := range s.ts {
		s.ts[i] = s.rng.IntN(cfg.T)
	}
	eps := graphs.Value(s.eps).Data().([]float32)
	graphs.FillNormal(eps, s.rng)
	xt := graphs.Value(s.x).Data().([]float32)
	for i, t := range s.ts {
		r := i * pixels
		s.Model.schedule.Diffuse(xt[r:r+pixels], images[r:r+pixels], eps[r:r+pixels], t)
	}
	TimestepEmbedding(s.ts, cfg.UNet.TimeDim, graphs.Value(s.temb).Data().([]float32))
	if s.y != nil {
		classes := cfg.Classes()
		y := graphs.Value(s.y).Data().([]float32)
		if err := graphs.OneHot(y, labels, classes); err != nil {
			return 0, fmt.Errorf("diffusion: %w", err)
		}
		for i := range labels {
			if s.rng.Float64() < cfg.CondDrop {
				clear(y[i*classes : (i+1)*classes])
			}
		}
	}
	if err := s.train.Run(s.rng); err != nil {
		return 0, fmt.Errorf("diffusion: training step: %w", err)
	}
	loss := s.loss.Scalar()
	if err := s.Opt.Update(s.train.Grads()); err != nil {
		return loss, err
	}
	if s.EMA != nil {
		s.EMA.Update()
	}
	return loss, nil
}

// Kind implements trainer.Model.
func (s *Step) Kind() string { return Kind }

// Config implements trainer.Model.
func (s *Step) Config() any { return s.Model.Config }

// Batch implements trainer.Model.
func (s *Step) Batch() int { return s.batch }

// FLOPs returns the floating-point operations of the matrix products and
// convolutions of one Run, counted from its training graph (see
// graphs.Machine.FLOPs).
func (s *Step) FLOPs() int64 { return s.train.FLOPs() }

// Params implements trainer.Model.
func (s *Step) Params() graphs.Params { return s.Model.Params() }

// Optimizers implements trainer.Model.
func (s *Step) Optimizers() []trainer.Optimizer {
	return []trainer.Optimizer{{Name: "net", Adam: s.Opt}}
}

// Step implements trainer.Model; labels are used by a conditional model
// only.
func (s *Step) Step(images []float32, labels []int) ([]trainer.Metric, error) {
	l, err := s.Run(images, labels)
	return []trainer.Metric{{Name: "loss", Value: l}}, err
}

// Previews implements trainer.Model: a grid of samples drawn with a quick
// deterministic DDIM from fixed noise, so that successive grids show the
// same draws (a conditional model's grid has one column per class, each
// row one noise drawn as every class), and a strip of the first sample
// going from noise to image, one frame per step.
func (s *Step) Previews() ([]trainer.Preview, error) {
	cfg := s.Model.Config
	c, h, w := cfg.ImageShape()
	classes, cols := cfg.Classes(), 10
	n := previewSamples
	var imgs []float32
	var err error
	ctx := context.Background()
	if classes > 0 {
		imgs, err = s.classGrid(ctx, max(1, n/classes))
		n, cols = len(imgs)/cfg.Pixels(), classes
	} else {
		imgs, err = s.preview.Sample(ctx, n, s.previewSeed, -1, s.previewSC)
	}
	if err != nil {
		return nil, err
	}
	class := -1
	if classes > 0 {
		class = 0
	}
	strip, err := s.preview.Trajectory(ctx, s.previewSeed, class, s.previewSC)
	if err != nil {
		return nil, err
	}
	frames := len(strip) / cfg.Pixels()
	return []trainer.Preview{
		{Name: "samples", Images: imgs, N: n, C: c, H: h, W: w, Lo: 0, Hi: 1, Cols: cols},
		{Name: "denoising", Images: strip, N: frames, C: c, H: h, W: w, Lo: 0, Hi: 1, Cols: frames},
	}, nil
}

// classGrid draws rows images of every class, row r from the noise of
// image r of the preview seed drawn as every class.
func (s *Step) classGrid(ctx context.Context, rows int) ([]float32, error) {
	classes := s.Model.Config.Classes()
	noise, labels := make([]int, 0, rows*classes), make([]int, 0, rows*classes)
	for r := range rows {
		for c := range classes {
			noise, labels = append(noise, r), append(labels, c)
		}
	}
	return s.preview.draw(ctx, s.previewSeed, noise, labels, s.previewSC, nil)
}

// State implements trainer.Stateful: the noise generator and the weight
// average's update count.
func (s *Step) State() (map[string]string, error) {
	st, err := optim.StepState("diffusion", s.Noise, s.EMA)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// SetState implements trainer.Stateful.
func (s *Step) SetState(st map[string]string) error {
	if err := optim.SetStepState("diffusion", st, s.Noise, s.EMA); err != nil {
		return err
	}
	return nil
}
