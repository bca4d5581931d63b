package vae

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/optim"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// TrainConfig holds the optimisation settings of a VAE run. Its zero value
// is every [Preset]'s: pytorch/examples' batch 128 and Adam 1e-3 with
// PyTorch's default betas.
type TrainConfig struct {
	Batch int     // images per step; 0 means 128
	LR    float64 // Adam learning rate; 0 means 1e-3
	// Beta1 and Beta2 are Adam's betas; 0 means 0.9 and 0.999, negative
	// means 0.
	Beta1, Beta2 float64
	PreviewSeed  uint64 // seed of the fixed prior draws behind the per-epoch sample grid
}

// WithDefaults returns c with zero fields replaced by their defaults. A
// negative beta, standing for zero, is kept, so that WithDefaults can be
// applied again.
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
	return c
}

// previewPairs is the number of image/reconstruction pairs in the
// reconstructions grid; previewSamples the number of prior samples.
const (
	previewPairs   = 32
	previewSamples = 64
	manifoldSide   = 20
)

// Step trains a VAE: each call runs the one training graph (encoder,
// reparameterised sample, decoder, negative ELBO and its gradient) and
// one Adam update. It implements [trainer.Model].
type Step struct {
	Model *Model
	Opt   *optim.Adam
	Noise *rand.PCG // source of ε and of binarisation draws; part of the run's state

	batch int
	rng   *rand.Rand
	train *graphs.TrainGraph
	x     *G.Node // input images (after binarisation)
	eps   *G.Node // input ε
	y     *G.Node // input one-hot labels; nil for an unconditional model
	beta  *G.Node // input KL weight [1] during a β warm-up (Config.BetaWarmup); nil otherwise
	// reported metrics: the loss and the batch means of its two terms
	loss, bce, kl *graphs.Result

	preview       *Inference
	previewNoise  []float32
	previewImages []float32
	previewLabels []int // the preview images' labels, for a conditional model
}

// NewStep builds and compiles the training graph for m with tc's batch
// size and optimiser. ε and binarisation draws come from a generator
// seeded with seed.
func NewStep(m *Model, tc TrainConfig, seed uint64) (*Step, error) {
	tc = tc.WithDefaults()
	if tc.Batch < 1 {
		return nil, fmt.Errorf("vae: batch size %d must be positive", tc.Batch)
	}
	cfg := m.Config
	s := &Step{
		Model: m,
		Opt:   optim.NewAdam(m.Params(), tc.LR, max(tc.Beta1, 0), max(tc.Beta2, 0)),
		Noise: rand.NewPCG(seed, 0x5be0cd19),
		batch: tc.Batch,
	}
	s.rng = rand.New(s.Noise)

	b := graphs.NewBuilder()
	s.x = b.Input("x", tc.Batch, cfg.Pixels())
	s.eps = b.Input("eps", tc.Batch, cfg.Z)
	s.y = m.labelInput(b, "y", tc.Batch)
	var terms Terms
	if cfg.BetaWarmup > 0 {
		s.beta = b.Input("beta", 1)
		terms = WarmObjective(b, m, s.x, s.y, s.eps, s.beta)
	} else {
		terms = Objective(b, m, s.x, s.y, s.eps, max(cfg.Beta, 0))
	}
	s.loss = b.Keep(terms.Loss)
	s.bce = b.Keep(b.Mean(terms.BCE))
	s.kl = b.Keep(b.Mean(terms.KL))
	var err error
	if s.train, err = graphs.NewTrainGraph(b, terms.Loss, m.Params()); err != nil {
		return nil, fmt.Errorf("vae: building the training graph: %w", err)
	}

	s.preview = NewInference(m)
	s.previewNoise = make([]float32, previewSamples*cfg.Z)
	graphs.FillNormal(s.previewNoise, rand.New(rand.NewPCG(tc.PreviewSeed, 0xa54ff53a)))
	return s, nil
}

// Losses are the numbers one step reports, as means over the batch.
type Losses struct {
	Loss float64 // BCE + β·KL
	BCE  float64 // reconstruction term, nats per image
	KL   float64 // KL(q(z|x) ‖ p(z)), nats per image
}

// Run performs one update. images holds Batch images with pixels in
// [0, 1], one after another; a batch in another scale is refused, as the
// BCE of a pixel outside [0, 1] is no likelihood (it can be negative).
// With Config.Binarize each pixel is replaced by a Bernoulli draw with
// that probability. labels are the images' classes, which a conditional
// model needs (one per image, in [0, Classes)) and an unconditional one
// ignores (nil).
func (s *Step) Run(images []float32, labels []int) (Losses, error) {
	pixels := s.Model.Config.Pixels()
	if len(images) != s.batch*pixels {
		return Losses{}, fmt.Errorf("vae: batch holds %d values, want %d (%d images of %d pixels)", len(images), s.batch*pixels, s.batch, pixels)
	}
	if err := graphs.CheckPixels(images, pixels, 0, 1); err != nil {
		return Losses{}, fmt.Errorf("vae: %w", err)
	}
	if s.y != nil {
		if err := graphs.CheckLabels(labels, s.batch, s.Model.Config.Classes); err != nil {
			return Losses{}, fmt.Errorf("vae: %w", err)
		}
		if err := graphs.OneHot(graphs.Value(s.y).Data().([]float32), labels, s.Model.Config.Classes); err != nil {
			return Losses{}, fmt.Errorf("vae: %w", err)
		}
	}
	if s.previewImages == nil {
		// Without test images (SetPreviewImages), the first batch seen
		// stands in for the reconstructions grid.
		k := min(previewPairs, s.batch)
		s.previewImages = append([]float32(nil), images[:k*pixels]...)
		if s.y != nil {
			s.previewLabels = append([]int(nil), labels[:k]...)
		}
	}
	x := graphs.Value(s.x).Data().([]float32)
	if s.Model.Config.Binarize {
		binarise(x, images, s.rng)
	} else {
		copy(x, images)
	}
	graphs.FillNormal(graphs.Value(s.eps).Data().([]float32), s.rng)
	if s.beta != nil {
		graphs.Value(s.beta).Data().([]float32)[0] = float32(WarmBeta(s.Model.Config, s.Opt.Step))
	}

	if err := s.train.Run(s.rng); err != nil {
		return Losses{}, fmt.Errorf("vae: training step: %w", err)
	}
	l := Losses{Loss: s.loss.Scalar(), BCE: s.bce.Scalar(), KL: s.kl.Scalar()}
	if err := s.Opt.Update(s.train.Grads()); err != nil {
		return l, err
	}
	return l, nil
}

// WarmBeta returns the KL weight of cfg's training at the update that
// follows step updates: Beta (0 if negative), scaled by
// (step+1)/BetaWarmup during the warm-up. The step count is the
// optimiser's, which a checkpoint keeps, so a resumed run goes on with
// the weight it stopped at.
func WarmBeta(cfg Config, step int64) float64 {
	beta := max(cfg.Beta, 0)
	if n := int64(cfg.BetaWarmup); step+1 < n {
		return beta * float64(step+1) / float64(n)
	}
	return beta
}

// binarise writes a Bernoulli(p) draw of each pixel p of src into dst.
func binarise(dst, src []float32, rng *rand.Rand) {
	for i, p := range src {
		if rng.Float32() < p {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}

// SetPreviewImages chooses the images (pixels in [0, 1], at most 32 are
// used) whose reconstructions are drawn at each epoch end; train-vae
// passes test images. labels are the images' classes, one per image, which
// a conditional model reconstructs with; nil for an unconditional model.
func (s *Step) SetPreviewImages(images []float32, labels []int) error {
	pixels := s.Model.Config.Pixels()
	if len(images) == 0 || len(images)%pixels != 0 {
		return fmt.Errorf("vae: preview images: %d values is not a positive whole number of %d-pixel images", len(images), pixels)
	}
	n := min(previewPairs, len(images)/pixels)
	if classes := s.Model.Config.Classes; classes > 0 {
		if err := graphs.CheckLabels(labels, len(images)/pixels, classes); err != nil {
			return fmt.Errorf("vae: preview images: %w", err)
		}
		s.previewLabels = append([]int(nil), labels[:n]...)
	}
	s.previewImages = append([]float32(nil), images[:n*pixels]...)
	return nil
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
	return []trainer.Optimizer{{Name: "vae", Adam: s.Opt}}
}

// Step implements trainer.Model; labels are used by a conditional model
// only.
func (s *Step) Step(images []float32, labels []int) ([]trainer.Metric, error) {
	l, err := s.Run(images, labels)
	return []trainer.Metric{{Name: "loss", Value: l.Loss}, {Name: "bce", Value: l.BCE}, {Name: "kl", Value: l.KL}}, err
}

// Previews implements trainer.Model, each preview holding the model's
// C×H×W images: images beside their reconstructions
// (alternating columns), 64 decodings of fixed prior draws, and for a 2-D
// latent space a 20×20 manifold grid. For a conditional model the samples
// grid has one column per class, each row one prior draw decoded as every
// class, and there is no manifold grid (it would need a class per image).
func (s *Step) Previews() ([]trainer.Preview, error) {
	cfg := s.Model.Config
	c, h, w := cfg.ImageShape()
	pixels := cfg.Pixels()
	var out []trainer.Preview
	if n := len(s.previewImages) / pixels; n > 0 {
		rec, err := s.preview.Reconstruct(s.previewImages, s.previewLabels)
		if err != nil {
			return nil, err
		}
		pairs := make([]float32, 0, 2*n*pixels)
		for i := range n {
			pairs = append(pairs, s.previewImages[i*pixels:(i+1)*pixels]...)
			pairs = append(pairs, rec[i*pixels:(i+1)*pixels]...)
		}
		out = append(out, trainer.Preview{Name: "reconstructions", Images: pairs, N: 2 * n, C: c, H: h, W: w, Lo: 0, Hi: 1, Cols: 8})
	}
	if classes := cfg.Classes; classes > 0 {
		rows := max(1, previewSamples/classes)
		z := make([]float32, 0, rows*classes*cfg.Z)
		labels := make([]int, 0, rows*classes)
		for r := range rows {
			for c := range classes {
				z = append(z, s.previewNoise[r*cfg.Z:(r+1)*cfg.Z]...)
				labels = append(labels, c)
			}
		}
		samples, err := s.preview.Decode(z, labels)
		if err != nil {
			return nil, err
		}
		return append(out, trainer.Preview{Name: "samples", Images: samples, N: rows * classes, C: c, H: h, W: w, Lo: 0, Hi: 1, Cols: classes}), nil
	}
	samples, err := s.preview.Decode(s.previewNoise, nil)
	if err != nil {
		return nil, err
	}
	out = append(out, trainer.Preview{Name: "samples", Images: samples, N: previewSamples, C: c, H: h, W: w, Lo: 0, Hi: 1, Cols: 8})
	if cfg.Z == 2 {
		grid, err := s.preview.Manifold(manifoldSide)
		if err != nil {
			return nil, err
		}
		out = append(out, trainer.Preview{Name: "manifold", Images: grid, N: manifoldSide * manifoldSide, C: c, H: h, W: w, Lo: 0, Hi: 1, Cols: manifoldSide})
	}
	return out, nil
}

// State implements trainer.Stateful: the generator of ε and binarisation
// draws.
func (s *Step) State() (map[string]string, error) {
	noise, err := graphs.EncodePCG(s.Noise)
	if err != nil {
		return nil, err
	}
	return map[string]string{"vae.noise": noise}, nil
}

// SetState implements trainer.Stateful.
func (s *Step) SetState(st map[string]string) error {
	noise, ok := st["vae.noise"]
	if !ok {
		return fmt.Errorf("vae: checkpoint has no noise generator state")
	}
	return graphs.DecodePCG(s.Noise, noise)
}
