package cli

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/eval"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// randomImages returns n images of set (pixels in [0, 1]) drawn with seed.
func randomImages(set *datasets.Set, n int, seed uint64) []float32 {
	var out []float32
	for _, i := range rand.New(rand.NewPCG(seed, 9)).Perm(set.N)[:n] {
		for _, p := range set.Image(i) {
			out = append(out, float32(p)/255)
		}
	}
	return out
}

// fakeStep is a trainer.Model whose Evaluate reports one metric.
type fakeStep struct {
	trainer.Model
	steps int
}

func (f *fakeStep) Step([]float32, []int) ([]trainer.Metric, error) {
	f.steps++
	return nil, nil
}

func (f *fakeStep) Evaluate() ([]trainer.Metric, error) {
	return []trainer.Metric{{Name: "test_loss", Value: 1}}, nil
}

func TestSampleEval(t *testing.T) {
	clf, _, err := eval.DefaultClassifier()
	require.NoError(t, err)
	test, err := datasets.MNIST(datasets.Test, "")
	require.NoError(t, err)
	train, err := datasets.MNIST(datasets.Train, "")
	require.NoError(t, err)
	small, err := eval.NewEvaluator(clf, eval.Pixels(test)[:500*784], "first 500 test images", eval.Options{})
	require.NoError(t, err)
	var drawn []uint64
	d := &sampleEval{
		Model: &fakeStep{}, Eval: small, N: 300, Seed: 7,
		Sample: func(n int, seed uint64) ([]float32, error) {
			drawn = append(drawn, seed)
			return randomImages(train, n, 5), nil
		},
		Every: 2, PerEpoch: 10, Start: 20, Final: 55,
	}
	due := map[int64]bool{}
	for step := int64(21); step <= 55; step++ {
		due[step] = d.Due(step)
	}
	for step, want := range map[int64]bool{30: false, 40: true, 50: false, 55: true, 41: false, 20: false} {
		if step > 20 {
			require.Equal(t, want, due[step], "step %d", step)
		}
	}

	for range 10 { // steps 21..30: epoch 3 ends, not due
		_, err := d.Step(nil, nil)
		require.NoError(t, err)
	}
	ms, err := d.Evaluate()
	require.NoError(t, err)
	require.Equal(t, []trainer.Metric{{Name: "test_loss", Value: 1}}, ms, "the wrapped evaluator's metrics alone")
	for range 10 { // steps 31..40: epoch 4 ends, due
		_, err := d.Step(nil, nil)
		require.NoError(t, err)
	}
	ms, err = d.Evaluate()
	require.NoError(t, err)
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	require.Equal(t, []string{"test_loss", "fid", "inception_score", "precision", "recall", "digits_covered", "kl_from_uniform"}, names)
	require.Equal(t, []uint64{7}, drawn)
	require.Equal(t, 20, d.Model.(*fakeStep).steps, "steps reach the wrapped model")
	require.Greater(t, ms[2].Value, 8.0, "real images have a high Inception score")

	d.Sample = func(int, uint64) ([]float32, error) { return nil, errors.New("generator broke") }
	d.steps = 35 // the last step
	_, err = d.Evaluate()
	require.ErrorContains(t, err, "generator broke")
}
