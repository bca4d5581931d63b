package classifier

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
)

// inferBatch is the batch size of inference graphs. Larger batches make
// the convolutions' GEMMs more efficient, but each compiled graph holds
// buffers proportional to it (the default network's im2col matrices alone
// take 0.16 MB per image).
const inferBatch = 250

// Inference runs a trained classifier on plain []float32 images. It is safe
// for concurrent use: each call borrows a compiled graph from a pool, so no
// graph is run by two goroutines at once. Callers must not update the
// model's parameters while an Inference is in use.
type Inference struct {
	model *Model
	pool  *graphs.Pool[*engine]
}

// engine is one compiled graph x → (features, logits) for inferBatch images.
type engine struct {
	vm               *graphs.Machine
	x                *G.Node
	features, logits *graphs.Result
}

// NewInference returns an Inference for m's current parameters.
func NewInference(m *Model) *Inference {
	f := &Inference{model: m}
	f.pool = graphs.NewPool(f.build)
	return f
}

// Config returns the configuration of the underlying model.
func (f *Inference) Config() Config { return f.model.Config }

// FeatureDim returns the number of features per image.
func (f *Inference) FeatureDim() int { return f.model.Config.Hidden }

func (f *Inference) build() (*engine, error) {
	b := graphs.NewBuilder()
	e := &engine{x: b.Input("x", inferBatch, f.model.Config.Pixels())}
	features, logits := f.model.Forward(b, e.x)
	e.features, e.logits = b.Keep(features), b.Keep(logits)
	vm, err := b.Compile()
	if err != nil {
		return nil, fmt.Errorf("classifier: building the inference graph: %w", err)
	}
	e.vm = vm
	return e, nil
}

// Outputs returns, for n images (pixels in [0, 1], C×H×W each in CHW
// order, one after another), their features (n×FeatureDim values) and their class
// probabilities (n×Classes values, each row summing to 1), from one pass.
func (f *Inference) Outputs(images []float32) (features, probs []float32, err error) {
	features, logits, err := f.forward(images)
	if err != nil {
		return nil, nil, err
	}
	classes := f.model.Config.Classes
	probs = make([]float32, len(logits))
	for i := 0; i < len(logits); i += classes {
		softmax(probs[i:i+classes], logits[i:i+classes])
	}
	return features, probs, nil
}

// forward returns the features and logits of n images.
func (f *Inference) forward(images []float32) (features, logits []float32, err error) {
	cfg := f.model.Config
	if len(images)%cfg.Pixels() != 0 {
		return nil, nil, fmt.Errorf("classifier: %d values is not a whole number of %dx%d images (%d values each)", len(images), cfg.Height, cfg.Width, cfg.Pixels())
	}
	n := len(images) / cfg.Pixels()
	e, err := f.pool.Get()
	if err != nil {
		return nil, nil, err
	}
	defer f.pool.Put(e)
	dim, classes, pixels := cfg.Hidden, cfg.Classes, cfg.Pixels()
	features, logits = make([]float32, n*dim), make([]float32, n*classes)
	in := graphs.Value(e.x).Data().([]float32)
	for start := 0; start < n; start += inferBatch {
		k := min(inferBatch, n-start)
		copy(in, images[start*pixels:(start+k)*pixels])
		clear(in[k*pixels:])
		if err := e.vm.Run(); err != nil {
			return nil, nil, fmt.Errorf("classifier: %w", err)
		}
		copy(features[start*dim:(start+k)*dim], e.features.Float32s())
		copy(logits[start*classes:(start+k)*classes], e.logits.Float32s())
	}
	return features, logits, nil
}

// Features returns the penultimate layer's pre-activations (fc1 before its
// ReLU) of n images: n×FeatureDim values.
func (f *Inference) Features(images []float32) ([]float32, error) {
	features, _, err := f.Outputs(images)
	return features, err
}

// Probabilities returns the class probabilities of n images: n×Classes
// values.
func (f *Inference) Probabilities(images []float32) ([]float32, error) {
	_, probs, err := f.Outputs(images)
	return probs, err
}

// softmax writes softmax(logits) into dst.
func softmax(dst, logits []float32) {
	m, lse := logSumExp(logits)
	for j, v := range logits {
		dst[j] = float32(math.Exp(float64(v) - m - lse))
	}
}

// logSumExp returns the largest logit m and log Σ exp(logit − m), in
// float64, so that no exponential overflows: log softmax(ℓ)_j is
// ℓ_j − m − lse.
func logSumExp(logits []float32) (m, lse float64) {
	m = math.Inf(-1)
	for _, v := range logits {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range logits {
		s += math.Exp(float64(v) - m)
	}
	return m, math.Log(s)
}

// Predict returns the most probable class of each row of probs
// (n×classes values).
func Predict(probs []float32, classes int) []int { return argmaxRows(probs, classes) }

// TestResult is a classifier's score on a labelled set.
type TestResult struct {
	Accuracy float64 // fraction classified right
	Loss     float64 // mean cross-entropy, nats per image
	N        int     // images
}

// Test classifies every image of a labelled set.
func (f *Inference) Test(set *datasets.Set) (TestResult, error) {
	cfg := f.model.Config
	if set == nil || set.N < 1 || set.Labels == nil {
		return TestResult{}, fmt.Errorf("classifier: testing needs a non-empty labelled set")
	}
	if c, h, w := cfg.ImageShape(); set.Channels() != c || set.H != h || set.W != w {
		return TestResult{}, fmt.Errorf("classifier: set %q has %dx%dx%d images, the model takes %dx%dx%d", set.Source, set.Channels(), set.H, set.W, c, h, w)
	}
	images := make([]float32, len(set.Images))
	for i, p := range set.Images {
		images[i] = float32(p) / 255
	}
	_, logits, err := f.forward(images)
	if err != nil {
		return TestResult{}, err
	}
	r := TestResult{N: set.N}
	classes := cfg.Classes
	for i, p := range argmaxRows(logits, classes) {
		y := int(set.Labels[i])
		if y >= classes {
			return TestResult{}, fmt.Errorf("classifier: set %q: label %d of image %d is outside 0..%d", set.Source, y, i, classes-1)
		}
		if p == y {
			r.Accuracy++
		}
		row := logits[i*classes : (i+1)*classes]
		m, lse := logSumExp(row)
		r.Loss -= float64(row[y]) - m - lse
	}
	r.Accuracy /= float64(set.N)
	r.Loss /= float64(set.N)
	return r, nil
}
