package classifier

import (
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// EvalStep is a training [Step] with a labelled test set: it embeds the
// Step, so it trains and checkpoints as the Step does, and it implements
// [trainer.Evaluator], so the trainer logs the test accuracy and loss at
// every epoch end.
type EvalStep struct {
	*Train
	Test *datasets.Set

	infer *Inference
}

// Train is the training step an [EvalStep] embeds. The embedded field
// cannot be named Step: that name would hide the Step method it passes on.
type Train = Step

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
