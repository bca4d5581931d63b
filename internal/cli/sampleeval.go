package cli

import (
	"context"
	"fmt"

	"github.com/gorgozoo/gorgozoo/eval"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// sampleEval wraps a training step so that the trainer also logs sample
// quality: every Every epochs, and at the last step, it draws N samples
// from the model being trained and adds the eval.Report's metrics (fid,
// inception_score, precision, recall, digits_covered, kl_from_uniform) to
// the evaluation record in metrics.jsonl and the epoch summary. A wrapped
// step that is itself a trainer.Evaluator (a VAE's EvalStep) keeps its own
// metrics, which come first.
//
// The samples use the same seed every time, so successive evaluations
// differ only because the model did.
type sampleEval struct {
	trainer.Model

	// Sample draws n images with pixels in [0, 1] from the model's current
	// parameters, e.g. gan.NewGenerator(model).Generate or
	// vae.NewInference(model).Sample.
	Sample func(n int, seed uint64) ([]float32, error)
	Eval   *eval.Evaluator
	N      int    // samples per evaluation; 0 means 10,000
	Seed   uint64 // seed of the samples

	Every    int   // evaluate every this many epochs; 0: only at the last step
	PerEpoch int64 // steps per epoch (the loader's BatchesPerEpoch)
	Start    int64 // global step the run starts from, when resuming
	Final    int64 // global step at which the run ends

	steps int64
}

// Step implements trainer.Model; it counts steps to know which epoch
// ended when the trainer evaluates.
func (d *sampleEval) Step(images []float32, labels []int) ([]trainer.Metric, error) {
	d.steps++
	return d.Model.Step(images, labels)
}

// EndsAt implements trainer.EndAware: a time budget ends the run at step,
// whose evaluation is then the closing one.
func (d *sampleEval) EndsAt(step int64) { d.Final = step }

// Due reports whether an evaluation after global step done measures
// samples.
func (d *sampleEval) Due(done int64) bool {
	if done == d.Final {
		return true
	}
	if d.Every <= 0 || d.PerEpoch <= 0 || done%d.PerEpoch != 0 {
		return false
	}
	return (done/d.PerEpoch)%int64(d.Every) == 0
}

// Evaluate implements trainer.Evaluator.
func (d *sampleEval) Evaluate() ([]trainer.Metric, error) {
	var ms []trainer.Metric
	if inner, ok := d.Model.(trainer.Evaluator); ok {
		m, err := inner.Evaluate()
		if err != nil {
			return nil, err
		}
		ms = append(ms, m...)
	}
	if !d.Due(d.Start + d.steps) {
		return ms, nil
	}
	if d.Sample == nil || d.Eval == nil {
		return nil, fmt.Errorf("sample metrics need a sampler and an evaluator")
	}
	n := d.N
	if n == 0 {
		n = 10000
	}
	images, err := d.Sample(n, d.Seed)
	if err != nil {
		return nil, fmt.Errorf("sample evaluation: drawing %d samples: %w", n, err)
	}
	r, err := d.Eval.Evaluate(context.Background(), images)
	if err != nil {
		return nil, err
	}
	return append(ms, sampleMetrics(r)...), nil
}

// sampleMetrics names a sample evaluation's numbers as they appear in
// metrics.jsonl and the epoch summaries.
func sampleMetrics(r *eval.Report) []trainer.Metric {
	return []trainer.Metric{
		{Name: "fid", Value: r.FID},
		{Name: "inception_score", Value: r.InceptionScore},
		{Name: "precision", Value: r.Precision},
		{Name: "recall", Value: r.Recall},
		{Name: "digits_covered", Value: float64(r.DigitsCovered)},
		{Name: "kl_from_uniform", Value: r.KLUniform},
	}
}

// State implements trainer.Stateful for wrapped steps that have state, so
// that a run evaluated while training still resumes exactly.
func (d *sampleEval) State() (map[string]string, error) {
	if st, ok := d.Model.(trainer.Stateful); ok {
		return st.State()
	}
	return nil, nil
}

// SetState implements trainer.Stateful.
func (d *sampleEval) SetState(s map[string]string) error {
	if st, ok := d.Model.(trainer.Stateful); ok {
		return st.SetState(s)
	}
	return nil
}
