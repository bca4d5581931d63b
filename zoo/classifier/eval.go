package classifier

import (
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// EvalStep is a training [Step] with a labelled test set: it implements
// [trainer.Model] and [trainer.Evaluator], so the trainer logs the test
// accuracy and loss at every epoch end.
type EvalStep struct {
	Train *Step
	Test  *datasets.Set

	infer *Inference
}

// Evaluate implements trainer.Evaluator. Metrics: test_acc (fraction
// right) and test_loss (mean cross-entropy, nats per image).
func (e *EvalStep) Evaluate() ([]trainer.Metric, error) {
	if e.infer == nil {
		e.infer = NewInference(e.Train.Model)
	}
	r, err := e.infer.Test(e.Test)
	if err != nil {
		return nil, err
	}
	return []trainer.Metric{{Name: "test_acc", Value: r.Accuracy}, {Name: "test_loss", Value: r.Loss}}, nil
}

// Kind implements trainer.Model.
func (e *EvalStep) Kind() string { return e.Train.Kind() }

// Config implements trainer.Model.
func (e *EvalStep) Config() any { return e.Train.Config() }

// Batch implements trainer.Model.
func (e *EvalStep) Batch() int { return e.Train.Batch() }

// Params implements trainer.Model.
func (e *EvalStep) Params() graphs.Params { return e.Train.Params() }

// Optimizers implements trainer.Model.
func (e *EvalStep) Optimizers() []trainer.Optimizer { return e.Train.Optimizers() }

// Step implements trainer.Model.
func (e *EvalStep) Step(images []float32, labels []int) ([]trainer.Metric, error) {
	return e.Train.Step(images, labels)
}

// Previews implements trainer.Model.
func (e *EvalStep) Previews() ([]trainer.Preview, error) { return e.Train.Previews() }
