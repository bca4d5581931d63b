package trainer

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/regularfile"
	"github.com/gorgozoo/gorgozoo/internal/regularfile/regularfiletest"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// clockedModel is an evalModel whose steps take perStep and whose
// evaluations take evalTime on a fake clock.
type clockedModel struct {
	*evalModel
	clock    *fakeClock
	evalTime time.Duration
}

func newClocked(clock *fakeClock, perStep, evalTime time.Duration) *clockedModel {
	m := &clockedModel{evalModel: &evalModel{fakeModel: newFake(10)}, clock: clock, evalTime: evalTime}
	m.onStep = func(int) { clock.advance(perStep) }
	return m
}

func (c *clockedModel) Evaluate() ([]Metric, error) {
	c.clock.advance(c.evalTime)
	return c.evalModel.Evaluate()
}

// stepTimes returns the steps of records and, apart, their training
// times, marking evaluations' steps negative.
func stepTimes(t *testing.T, recs []Record) (steps []int64, trained []time.Duration) {
	t.Helper()
	for _, r := range recs {
		require.True(t, r.HasTrained, "step %d: every record has the training time", r.Step)
		s := r.Step
		if r.Eval {
			s = -s
		}
		steps = append(steps, s)
		trained = append(trained, r.Trained)
	}
	return steps, trained
}

// TestRecordsCountTrainingTime: every record of metrics.jsonl carries the
// training time up to its step, which leaves out evaluations and hooks
// (pictures), as the time budget does.
func TestRecordsCountTrainingTime(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := newClocked(clock, time.Second, 100*time.Second)
	pictures := func(Event) error { clock.advance(1000 * time.Second); return nil }
	out := t.TempDir()
	res, err := Run(context.Background(), m, testLoader(t, 10), Config{Steps: 25, LogEvery: 4, Out: out, Hooks: []Hook{pictures}, clock: clock.now})
	require.NoError(t, err)
	require.Equal(t, 25*time.Second, res.Trained)

	recs, err := ReadMetrics(filepath.Join(out, MetricsFile))
	require.NoError(t, err)
	steps, trained := stepTimes(t, recs)
	require.Equal(t, []int64{4, 8, -10, 12, 16, 20, -20, 24, 25, -25}, steps)
	for i, s := range steps {
		require.Equal(t, time.Duration(max(s, -s))*time.Second, trained[i], "step %d", s)
	}
	require.Equal(t, clock.t.Add(-1000*time.Second).Truncate(time.Second), recs[len(recs)-1].Wall, "the wall clock when written")
	require.Contains(t, recs[0].Values, "loss")
	require.Contains(t, recs[0].Values, "images_per_s")
	require.Equal(t, map[string]float64{"test_loss": 1}, recs[2].Values)
}

// checkpointAt loads the checkpoint of run folder dir at step.
func checkpointAt(t *testing.T, dir string, step int64) *checkpoints.Checkpoint {
	t.Helper()
	paths, err := checkpoints.Dir{Path: filepath.Join(dir, "checkpoints")}.List()
	require.NoError(t, err)
	for _, p := range paths {
		c, err := checkpoints.Load(p)
		require.NoError(t, err)
		if c.Meta.Step == step {
			return c
		}
	}
	t.Fatalf("no checkpoint at step %d in %s", step, dir)
	return nil
}

// TestResumeContinuesTrainingTime: a resumed run without a time budget
// continues the count from its run folder's metrics.jsonl, and the
// records of the steps it goes over again give way to its own.
func TestResumeContinuesTrainingTime(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	out := t.TempDir()
	cfg := Config{Steps: 20, LogEvery: 5, CkptEvery: 3, Keep: 20, Out: out, clock: clock.now}
	_, err := Run(context.Background(), newClocked(clock, time.Second, time.Minute), testLoader(t, 10), cfg)
	require.NoError(t, err)

	for _, tt := range []struct {
		step int64
		want time.Duration
	}{
		{10, 10 * time.Second}, // an epoch's end: an evaluation record
		{15, 15 * time.Second},
		{12, 10 * time.Second}, // between records: the last one before
		{3, 0},                 // before the first record
	} {
		got, err := TrainedBefore(checkpointAt(t, out, tt.step), out)
		require.NoError(t, err)
		require.Equal(t, tt.want, got, "checkpoint at step %d", tt.step)
	}

	// Resume from step 10, with slower steps, into the same folder.
	c := checkpointAt(t, out, 10)
	m := newClocked(clock, 2*time.Second, time.Minute)
	start, err := Resume(c, m)
	require.NoError(t, err)
	trained, err := TrainedBefore(c, out)
	require.NoError(t, err)
	cfg.Start, cfg.Trained = start, trained
	res, err := Run(context.Background(), m, testLoader(t, 10), cfg)
	require.NoError(t, err)
	require.Equal(t, 30*time.Second, res.Trained)
	require.NotContains(t, checkpointAt(t, out, 20).Meta.Extra, trainedKey, "checkpoints without a budget stay reproducible")

	recs, err := ReadMetrics(filepath.Join(out, MetricsFile))
	require.NoError(t, err)
	steps, times := stepTimes(t, recs)
	require.Equal(t, []int64{5, 10, -10, 10, 15, 20, -20}, steps, "the first run's steps past 10 gave way")
	require.Equal(t, []time.Duration{5, 10, 10, 10, 20, 30, 30}, secondsOf(times))
	require.True(t, recs[3].Resumed)

	got, err := TrainedBefore(checkpointAt(t, out, 15), out)
	require.NoError(t, err)
	require.Equal(t, 20*time.Second, got, "the resumed run's count, not the first run's")
}

func secondsOf(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d / time.Second
	}
	return out
}

// TestTrainedBeforeBudgeted: a budgeted run's checkpoint records its
// training time, which wins over metrics.jsonl.
func TestTrainedBeforeBudgeted(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, MetricsFile), []byte(`{"step":4,"train_s":3}`+"\n"), 0o644))
	c := &checkpoints.Checkpoint{Meta: checkpoints.Meta{Step: 4, Extra: map[string]string{trainedKey: "7s"}}}
	got, err := TrainedBefore(c, dir)
	require.NoError(t, err)
	require.Equal(t, 7*time.Second, got)

	delete(c.Meta.Extra, trainedKey)
	got, err = TrainedBefore(c, dir)
	require.NoError(t, err)
	require.Equal(t, 3*time.Second, got)

	got, err = TrainedBefore(c, t.TempDir())
	require.NoError(t, err)
	require.Zero(t, got, "no metrics.jsonl: nothing trained before")
}

func TestReadMetrics(t *testing.T) {
	tests := []struct {
		name    string
		content string
		steps   []int64
		err     string
	}{
		{"records", `{"step":5,"epoch":0.5,"loss":1,"train_s":1.5,"time":"2026-01-01T00:00:00Z"}` + "\n" + `{"step":10,"eval":true,"fid":20}` + "\n", []int64{5, 10}, ""},
		{"an unfinished last line is left out", `{"step":5}` + "\n" + `{"step":10,"lo`, []int64{5}, ""},
		{"blank lines", "\n" + `{"step":5}` + "\n\n", []int64{5}, ""},
		{"empty", "", nil, ""},
		{"a resumption goes back", `{"step":5}` + "\n" + `{"step":10}` + "\n" + `{"step":5,"resumed":true,"changed":{"lr":{"from":1,"to":2}}}` + "\n" + `{"step":10}` + "\n", []int64{5, 5, 10}, ""},
		{"not JSON", `{"step":5}` + "\n" + "step 10\n", nil, "line 2: not a JSON object"},
		{"not an object", "[1]\n", nil, "line 1: not a JSON object"},
		{"null", "null\n", nil, "line 1: not a JSON object"},
		{"no step", `{"loss":1}` + "\n", nil, `line 1: no "step"`},
		{"negative step", `{"step":-1}` + "\n", nil, `"step" -1 is not a step`},
		{"negative training time", `{"step":1,"train_s":-2}` + "\n", nil, `"train_s" -2: not a training time`},
		{"training time a string", `{"step":1,"train_s":"2s"}` + "\n", nil, `"train_s" "2s"`},
		{"bad time", `{"step":1,"time":"noon"}` + "\n", nil, `"time" "noon"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeMetrics(t, tt.content)
			recs, err := ReadMetrics(path)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				require.ErrorContains(t, err, path)
				return
			}
			require.NoError(t, err)
			var steps []int64
			for _, r := range recs {
				steps = append(steps, r.Step)
			}
			require.Equal(t, tt.steps, steps)
		})
	}

	recs, err := ReadMetrics(writeMetrics(t, `{"step":5,"epoch":0.5,"loss":1,"train_s":1.5,"time":"2026-01-01T00:00:00Z","changed":{"lr":1}}`+"\n"))
	require.NoError(t, err)
	require.Equal(t, []Record{{Step: 5, Epoch: 0.5, Trained: 1500 * time.Millisecond, HasTrained: true,
		Wall: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Values: map[string]float64{"loss": 1}}}, recs)

	_, err = ReadMetrics(filepath.Join(t.TempDir(), MetricsFile))
	require.ErrorIs(t, err, fs.ErrNotExist)
	for _, kind := range regularfiletest.Kinds() {
		path := filepath.Join(t.TempDir(), MetricsFile)
		regularfiletest.Make(t, kind, path)
		regularfiletest.Bounded(t, regularfiletest.AllocLimit, func() { _, err = ReadMetrics(path) })
		require.ErrorIs(t, err, regularfile.ErrNotRegular, "%s", kind)
	}
}

func writeMetrics(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), MetricsFile)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// FuzzReadMetrics: any content reads as records or fails with an error
// naming the file; the records read are well formed.
func FuzzReadMetrics(f *testing.F) {
	f.Add([]byte(`{"step":5,"epoch":0.5,"loss":1,"train_s":1.5,"time":"2026-01-01T00:00:00Z"}` + "\n" + `{"step":10,"eval":true,"fid":20}` + "\n"))
	f.Add([]byte(`{"step":5}` + "\n" + `{"step":2,"resumed":true,"changed":{"lr":{"from":1,"to":2}}}` + "\n" + `{"step":3,"train_s":1e300}`))
	f.Add([]byte("null\n[1]\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := readRecords(bytes.NewReader(data), "m.jsonl")
		if err != nil {
			require.ErrorContains(t, err, "m.jsonl")
			return
		}
		for i, r := range recs {
			require.GreaterOrEqual(t, r.Step, int64(0))
			require.GreaterOrEqual(t, r.Trained, time.Duration(0))
			require.NotNil(t, r.Values)
			if r.Resumed && i > 0 {
				require.LessOrEqual(t, recs[i-1].Step, r.Step, "records past a resumption's step give way")
			}
		}
	})
}
