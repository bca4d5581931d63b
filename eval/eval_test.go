package eval

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/zoo/classifier"
)

// fixture is the embedded classifier, the MNIST sets, and the
// classifier's outputs on the test set, each made once for all tests (the
// outputs are the slow part).
var fixture struct {
	once, refOnce sync.Once
	err, refErr   error
	clf           *classifier.Inference
	test, train   *datasets.Set
	ref           outputs
	ev            *Evaluator
}

// setupData loads the classifier and the data sets.
func setupData(t *testing.T) {
	t.Helper()
	f := &fixture
	f.once.Do(func() {
		if f.clf, _, f.err = DefaultClassifier(); f.err != nil {
			return
		}
		if f.test, f.err = datasets.MNIST(datasets.Test, ""); f.err != nil {
			return
		}
		f.train, f.err = datasets.MNIST(datasets.Train, "")
	})
	require.NoError(t, f.err)
}

// setup also builds the evaluator against the whole test set.
func setup(t *testing.T) {
	t.Helper()
	setupData(t)
	f := &fixture
	f.refOnce.Do(func() {
		e := &Evaluator{clf: f.clf}
		if f.ref, f.refErr = e.outputs(Pixels(f.test), "reference"); f.refErr != nil {
			return
		}
		f.ev, f.refErr = fromOutputs(f.clf, f.ref, f.test.Source, Options{})
	})
	require.NoError(t, f.refErr)
}

// trainImages returns n training images (pixels in [0, 1]) drawn with
// seed, keeping those whose label passes keep (all when keep is nil).
func trainImages(n int, seed uint64, keep func(label uint8) bool) []float32 {
	set := fixture.train
	var out []float32
	for _, i := range rand.New(rand.NewPCG(seed, 9)).Perm(set.N) {
		if keep != nil && !keep(set.Labels[i]) {
			continue
		}
		for _, p := range set.Image(i) {
			out = append(out, float32(p)/255)
		}
		if len(out) == n*784 {
			break
		}
	}
	return out
}

func TestEmbeddedClassifier(t *testing.T) {
	setup(t)
	_, meta, err := DefaultClassifier()
	require.NoError(t, err)
	require.Equal(t, classifier.Kind, meta.Kind)
	recorded, ok := TestAccuracy(meta)
	require.True(t, ok, "the weights record their test accuracy")
	right := 0
	for i, p := range classifier.Predict(fixture.ref.probs, 10) {
		if p == int(fixture.test.Labels[i]) {
			right++
		}
	}
	acc := float64(right) / float64(fixture.test.N)
	require.GreaterOrEqual(t, acc, 0.99)
	require.InDelta(t, recorded, acc, 1e-4, "the recorded accuracy is the one measured here")

	is, _, err := InceptionScore(fixture.ref.probs, 10, DefaultSplits)
	require.NoError(t, err)
	require.Greater(t, is, 9.5, "Inception score of the test set itself")
}

// TestReferenceRows measures real training images (what a perfect model
// scores) and uniform noise (what a useless one scores) against the test
// set.
func TestReferenceRows(t *testing.T) {
	setup(t)
	real, err := fixture.ev.Evaluate(context.Background(), trainImages(5000, 1, nil))
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(2, 2))
	noiseImages := make([]float32, 2000*784)
	for i := range noiseImages {
		noiseImages[i] = rng.Float32()
	}
	noise, err := fixture.ev.Evaluate(context.Background(), noiseImages)
	require.NoError(t, err)
	t.Logf("real: %+v", *real)
	t.Logf("noise: %+v", *noise)

	require.Equal(t, 5000, real.N)
	require.Less(t, real.FID, 10.0)
	require.Greater(t, noise.FID, 100*real.FID)
	require.Greater(t, real.InceptionScore, 9.5)
	require.Less(t, noise.InceptionScore, 2.0)
	require.Greater(t, real.Precision, 0.8)
	require.Greater(t, real.Recall, 0.8)
	require.Less(t, noise.Precision, 0.1)
	require.Less(t, noise.Recall, 0.1)
	require.Equal(t, 10, real.DigitsCovered)
	require.Less(t, real.KLUniform, 0.01)
	require.Greater(t, noise.KLUniform, 1.0)
	require.Equal(t, 5000, sum(real.Histogram))
}

func TestOneDigit(t *testing.T) {
	setup(t)
	threes := trainImages(1000, 3, func(l uint8) bool { return l == 3 })
	r, err := fixture.ev.Evaluate(context.Background(), threes)
	require.NoError(t, err)
	require.Equal(t, 1, r.DigitsCovered, "histogram %v", r.Histogram)
	require.Greater(t, r.Histogram[3], 980)
	require.Greater(t, r.KLUniform, 2.1) // log 10 = 2.30 for a single class
	require.Less(t, r.InceptionScore, 1.5)
	require.Greater(t, r.Precision, 0.7, "every sample is a realistic 3")
	require.Less(t, r.Recall, 0.25, "but the other digits are missing")
	require.Greater(t, r.FID, 50.0)
}

func TestEvaluateErrors(t *testing.T) {
	setup(t)
	good := trainImages(20, 4, nil)
	signed := append([]float32(nil), good...)
	signed[100] = -0.5
	cases := []struct {
		name   string
		images []float32
		want   string
	}{
		{"pixels in [-1, 1]", signed, "pixel 100 of image 0 is -0.5"},
		{"ragged", good[:1000], "not a whole number of rows of 784"},
		{"one image", good[:784], "at least 2"},
		{"fewer than the splits", good[:5*784], "splits"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := fixture.ev.Evaluate(context.Background(), c.images)
			require.ErrorContains(t, err, c.want)
		})
	}
	nan := append([]float32(nil), good...)
	nan[5] = float32(math.NaN())
	_, err := fixture.ev.Evaluate(context.Background(), nan)
	require.ErrorContains(t, err, "pixel 5 of image 0 is NaN")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = fixture.ev.Evaluate(cancelled, good)
	require.ErrorIs(t, err, context.Canceled)
	_, err = NewEvaluator(fixture.clf, good, "x", Options{K: 30})
	require.ErrorContains(t, err, "more than k points")
}

func sum(v []int) int {
	s := 0
	for _, x := range v {
		s += x
	}
	return s
}

// TestEvaluatorConcurrent: goroutines sharing an Evaluator get what a lone
// caller gets (run it with -race).
func TestEvaluatorConcurrent(t *testing.T) {
	setupData(t)
	small, err := NewEvaluator(fixture.clf, Pixels(fixture.test)[:400*784], "first 400 test images", Options{})
	require.NoError(t, err)
	sets := [][]float32{trainImages(200, 11, nil), trainImages(250, 12, nil), trainImages(150, 13, func(l uint8) bool { return l < 5 })}
	want := make([]*Report, len(sets))
	for i, s := range sets {
		want[i], err = small.Evaluate(context.Background(), s)
		require.NoError(t, err)
	}
	got := make([]*Report, len(sets))
	errs := make([]error, len(sets))
	var wg sync.WaitGroup
	for i, s := range sets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = small.Evaluate(context.Background(), s)
		}()
	}
	wg.Wait()
	for i := range sets {
		require.NoError(t, errs[i])
		require.Equal(t, want[i], got[i], "set %d", i)
	}
	require.Equal(t, 5, want[2].DigitsCovered)
}
