package trainer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/optim"
)

// fakeModel records the batches it sees and moves its one parameter by a
// fixed Adam step, so the loop can be tested without graphs.
type fakeModel struct {
	batch   int
	w       *graphs.Param
	opt     *optim.Adam
	seen    []float32 // first pixel of every batch
	nanAt   int       // report a NaN loss at this step (1-based); 0 never
	onStep  func(step int)
	onBatch func(images []float32, labels []int)
	stepped int
}

func newFake(batch int) *fakeModel {
	w := graphs.NewParam("w", 2)
	return &fakeModel{batch: batch, w: w, opt: optim.NewAdam(graphs.Params{w}, 0.1, 0.9, 0.999)}
}

func (f *fakeModel) Kind() string            { return "fake" }
func (f *fakeModel) Config() any             { return map[string]int{"batch": f.batch} }
func (f *fakeModel) Batch() int              { return f.batch }
func (f *fakeModel) Params() graphs.Params   { return graphs.Params{f.w} }
func (f *fakeModel) Optimizers() []Optimizer { return []Optimizer{{Name: "w", Adam: f.opt}} }
func (f *fakeModel) Previews() ([]Preview, error) {
	return []Preview{{Name: "samples", Images: make([]float32, 4*28*28), N: 4, H: 28, W: 28, Lo: 0, Hi: 1}}, nil
}

func (f *fakeModel) Step(images []float32, labels []int) ([]Metric, error) {
	f.stepped++
	f.seen = append(f.seen, images[0])
	if f.onBatch != nil {
		f.onBatch(images, labels)
	}
	g := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, -1}))
	if err := f.opt.Update([]*tensor.Dense{g}); err != nil {
		return nil, err
	}
	if f.onStep != nil {
		f.onStep(f.stepped)
	}
	loss := float64(f.stepped)
	if f.stepped == f.nanAt {
		loss = math.NaN()
	}
	return []Metric{{Name: "loss", Value: loss}}, nil
}

func testLoader(t *testing.T, batch int) *datasets.Loader {
	t.Helper()
	l, err := datasets.NewLoader(datasets.Synthetic(100, 3), batch, 7, datasets.ScaleUnit)
	require.NoError(t, err)
	return l
}

func TestRunWritesRunFolder(t *testing.T) {
	out := t.TempDir()
	m := newFake(10)
	res, err := Run(context.Background(), m, testLoader(t, 10), Config{Epochs: 2, Out: out, LogEvery: 5, Keep: 2, CkptEvery: 3})
	require.NoError(t, err)
	require.EqualValues(t, 20, res.Steps)
	require.InDelta(t, 2.0, res.Epochs, 1e-9)
	require.Equal(t, 20, m.stepped)
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{"checkpoints", "metrics.jsonl"}, names, "the trainer draws no pictures itself")
	f, err := os.Open(filepath.Join(out, "metrics.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	lines := 0
	for sc := bufio.NewScanner(f); sc.Scan(); lines++ {
	}
	require.Equal(t, 4, lines)

	list, err := checkpoints.Dir{Path: filepath.Join(out, "checkpoints")}.List()
	require.NoError(t, err)
	require.Len(t, list, 2, "Keep: 2")
	require.Equal(t, res.Checkpoint, list[len(list)-1])
	c, err := checkpoints.Load(res.Checkpoint)
	require.NoError(t, err)
	require.EqualValues(t, 20, c.Meta.Step)
	require.Equal(t, "fake", c.Meta.Kind)
	require.Equal(t, "20", c.Meta.Extra["optim.w.step"])
	w, ok := c.Find("w")
	require.True(t, ok)
	require.Equal(t, m.w.Float32s(), w.Data)
	_, ok = c.Find("optim.w.m.w")
	require.True(t, ok)
}

func TestStepBudgetAndResumeOrder(t *testing.T) {
	full := newFake(10)
	_, err := Run(context.Background(), full, testLoader(t, 10), Config{Steps: 25})
	require.NoError(t, err)
	require.Len(t, full.seen, 25, "a step budget may end mid-epoch")

	again := newFake(10)
	_, err = Run(context.Background(), again, testLoader(t, 10), Config{Steps: 25})
	require.NoError(t, err)
	require.Equal(t, full.seen, again.seen, "same seed, same batches")

	resumed := newFake(10)
	_, err = Run(context.Background(), resumed, testLoader(t, 10), Config{Steps: 25, Start: 13})
	require.NoError(t, err)
	require.Equal(t, full.seen[13:], resumed.seen, "starting at step 13 sees the batches an uninterrupted run sees")
}

func TestNaNGuard(t *testing.T) {
	out := t.TempDir()
	m := newFake(10)
	m.nanAt = 5
	_, err := Run(context.Background(), m, testLoader(t, 10), Config{Epochs: 1, Out: out, CkptEvery: 2})
	require.ErrorIs(t, err, ErrNonFinite)
	require.ErrorContains(t, err, "step 5")
	require.ErrorContains(t, err, "loss")
	latest, err := checkpoints.Dir{Path: filepath.Join(out, "checkpoints")}.Latest()
	require.NoError(t, err)
	c, err := checkpoints.Load(latest)
	require.NoError(t, err)
	require.EqualValues(t, 4, c.Meta.Step, "the last good checkpoint stays the latest")
}

func TestCancelSavesCheckpoint(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	m := newFake(10)
	m.onStep = func(step int) {
		if step == 3 {
			cancel()
		}
	}
	res, err := Run(ctx, m, testLoader(t, 10), Config{Epochs: 5, Out: out})
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
	require.EqualValues(t, 3, res.Steps)
	c, err := checkpoints.Load(res.Checkpoint)
	require.NoError(t, err)
	require.EqualValues(t, 3, c.Meta.Step)
}

func TestBatchMismatch(t *testing.T) {
	_, err := Run(context.Background(), newFake(10), testLoader(t, 20), Config{})
	require.ErrorContains(t, err, "batch")
}

// evalModel is a fakeModel that also evaluates itself.
type evalModel struct {
	*fakeModel
	calls int
}

func (e *evalModel) Evaluate() ([]Metric, error) {
	e.calls++
	return []Metric{{Name: "test_loss", Value: float64(e.calls)}}, nil
}

func TestEvaluatorCalledPerEpoch(t *testing.T) {
	out := t.TempDir()
	m := &evalModel{fakeModel: newFake(10)}
	res, err := Run(context.Background(), m, testLoader(t, 10), Config{Epochs: 3, Out: out})
	require.NoError(t, err)
	require.Equal(t, 3, m.calls)
	require.Equal(t, []Metric{{Name: "test_loss", Value: 3}}, res.Eval)
	b, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	require.NoError(t, err)
	require.Equal(t, 3, bytes.Count(b, []byte(`"eval":true`)))
}

func TestHooksSeeEveryStep(t *testing.T) {
	var steps []int64
	var ends []int
	stop := errors.New("enough")
	hook := func(ev Event) error {
		steps = append(steps, ev.Step)
		if ev.EndOfEpoch {
			ends = append(ends, ev.Epoch)
		}
		if ev.Step == 25 {
			return stop
		}
		return nil
	}
	_, err := Run(context.Background(), newFake(10), testLoader(t, 10), Config{Epochs: 5, Hooks: []Hook{hook}})
	require.ErrorIs(t, err, stop)
	require.Len(t, steps, 25)
	require.Equal(t, []int{1, 2}, ends)
}

// TestHookEvents: a hook sees the log windows' means, the evaluations, the
// epochs done and the last step, at the steps where they happen.
func TestHookEvents(t *testing.T) {
	var events []Event
	hook := func(ev Event) error {
		ev.Model = nil
		events = append(events, ev)
		return nil
	}
	m := &evalModel{fakeModel: newFake(10)}
	_, err := Run(context.Background(), m, testLoader(t, 10), Config{Steps: 25, LogEvery: 4, Hooks: []Hook{hook}})
	require.NoError(t, err)
	require.Len(t, events, 25)
	evals := 0
	for i, ev := range events {
		step := int64(i + 1)
		require.Equal(t, step, ev.Step)
		require.Equal(t, int(i/10)+1, ev.Epoch, "step %d", step)
		require.InDelta(t, float64(step)/10, ev.Epochs, 1e-12)
		require.Equal(t, step%10 == 0, ev.EndOfEpoch, "step %d", step)
		require.Equal(t, step == 25, ev.Last, "step %d", step)
		require.Equal(t, []Metric{{Name: "loss", Value: float64(step)}}, ev.Metrics)
		if step%4 == 0 || step == 25 {
			first := float64(step - (step-1)%4) // the window's first step
			require.Equal(t, []Metric{{Name: "loss", Value: (first + float64(step)) / 2}}, ev.Logged, "step %d", step)
		} else {
			require.Nil(t, ev.Logged, "step %d", step)
		}
		evaluated := step == 10 || step == 20 || step == 25
		require.Equal(t, evaluated, ev.Evaluated, "step %d", step)
		if evaluated {
			evals++
			require.Equal(t, []Metric{{Name: "test_loss", Value: float64(evals)}}, ev.Eval, "step %d", step)
		} else {
			require.Nil(t, ev.Eval, "step %d", step)
		}
	}
}

// slowEvalModel is an evalModel whose evaluation takes a known time.
type slowEvalModel struct {
	*evalModel
	pause time.Duration
}

func (s *slowEvalModel) Evaluate() ([]Metric, error) {
	time.Sleep(s.pause)
	return s.evalModel.Evaluate()
}

// TestResultEvaluating: the result counts the time spent evaluating apart,
// as part of the loop's time; a model without evaluation spends none.
func TestResultEvaluating(t *testing.T) {
	m := &slowEvalModel{evalModel: &evalModel{fakeModel: newFake(10)}, pause: 5 * time.Millisecond}
	res, err := Run(context.Background(), m, testLoader(t, 10), Config{Steps: 15})
	require.NoError(t, err)
	require.Equal(t, 2, m.calls, "at the end of epoch 1 and at the last step")
	require.GreaterOrEqual(t, res.Evaluating, 2*m.pause)
	require.GreaterOrEqual(t, res.Wall, res.Evaluating)

	res, err = Run(context.Background(), newFake(10), testLoader(t, 10), Config{Steps: 15})
	require.NoError(t, err)
	require.Zero(t, res.Evaluating)
}

// TestColourBatches: a batch of colour images holds every channel of
// every image, and an unlabelled set (a flat image folder) trains with
// no labels rather than failing for want of them.
func TestColourBatches(t *testing.T) {
	const n, c, h, w = 8, 3, 4, 5
	set := &datasets.Set{N: n, C: c, H: h, W: w, Images: make([]uint8, n*c*h*w)}
	for i := range set.Images {
		set.Images[i] = uint8(i % 251)
	}
	l, err := datasets.NewLoader(set, 4, 1, datasets.ScaleUnit)
	require.NoError(t, err)
	m := newFake(4)
	var sizes []int
	m.onBatch = func(images []float32, labels []int) {
		sizes = append(sizes, len(images))
		require.Nil(t, labels)
	}
	_, err = Run(context.Background(), m, l, Config{Steps: 2})
	require.NoError(t, err)
	require.Equal(t, []int{4 * c * h * w, 4 * c * h * w}, sizes)
}
