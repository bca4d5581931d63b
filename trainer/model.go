package trainer

import (
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/optim"
)

// Metric is one named number reported by a training step.
type Metric struct {
	Name  string
	Value float64
}

// Optimizer is an optimiser whose state is saved in checkpoints under
// "optim.<Name>.".
type Optimizer struct {
	Name string
	Adam *optim.Adam
}

// Preview is a set of images the trainer writes as a grid at the end of
// each epoch (e.g. samples from fixed noise, or reconstructions).
type Preview struct {
	Name   string    // file name stem, e.g. "samples"
	Images []float32 // N images of C×H×W, one after another
	N      int
	C      int // channels: 1 (grey, also when 0) or 3 (RGB)
	H, W   int
	Lo, Hi float32 // pixel range: Lo is black, Hi white
	Cols   int     // grid columns; 0 picks a square grid
}

// Model is what the trainer trains: any GAN or VAE step.
type Model interface {
	// Kind names the model family in checkpoints, e.g. "gan".
	Kind() string
	// Config is the architecture, saved as JSON in checkpoints.
	Config() any
	// Batch is the fixed batch size the step's graphs were built for.
	Batch() int
	// Step runs one training update on a batch of Batch() images (in the
	// pixel scale the model asked for) and their labels.
	Step(images []float32, labels []int) ([]Metric, error)
	// Params are the parameters saved in checkpoints.
	Params() graphs.Params
	// Optimizers are the optimisers whose state is saved in checkpoints.
	Optimizers() []Optimizer
	// Previews returns the images to write at the end of an epoch.
	Previews() ([]Preview, error)
}

// EndAware is implemented by models that must know the step the run ends
// at before it ends, when that is not the step budget: a time budget
// ([Config.Time]) ends a run early. EndsAt is called before the closing
// evaluation.
type EndAware interface {
	EndsAt(step int64)
}

// Evaluator is implemented by models that measure themselves on held-out
// data (e.g. a VAE's test ELBO). The trainer calls Evaluate at the end of
// every epoch and at the end of the run, logs the metrics to
// metrics.jsonl (as an "eval" record) and shows them in the epoch summary.
type Evaluator interface {
	Evaluate() ([]Metric, error)
}
