package trainer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/regularfile"
	"github.com/gorgozoo/gorgozoo/internal/term"
)

// Config controls a training run. The zero value trains one epoch, writes
// nothing to disk and prints nothing.
type Config struct {
	Epochs int   // epochs to train; 0 means 1 unless Steps is set
	Steps  int64 // if > 0, stop after this many steps in total (may end mid-epoch)
	// Time, when positive, is a budget of training time: the run ends
	// after the first step that spends it (or at the step budget, if that
	// comes first), with the checkpoint and evaluation of a normal end.
	// Training time is the time spent in steps, as the images/s figure
	// counts it: checkpoints, evaluations and hooks (pictures) are left
	// out. Checkpoints of a run with a budget record their training time
	// (see [TrainedTime]), so a resumed run spends only the rest.
	Time time.Duration
	// Trained is the training time spent before Start, by the run a
	// resumed one continues ([TrainedBefore] its checkpoint).
	Trained time.Duration

	Out       string // run folder; "" writes nothing
	CkptEvery int64  // also checkpoint every N steps; 0 means only at epoch ends and at the end
	Keep      int    // checkpoints kept in Out/checkpoints; 0 means 3
	LogEvery  int64  // steps per metrics.jsonl line (and Event.Logged); 0 means 100

	Seed  uint64            // recorded in checkpoints
	Extra map[string]string // recorded in checkpoints' metadata

	// Start is the global step to start from (resuming); batches and the
	// epoch count continue from there.
	Start int64
	// Changed holds the settings a resumed run changes, by name. A run
	// with Start > 0 records them in metrics.jsonl before its first step,
	// as {"step": Start, "resumed": true, "changed": {name: {"from", "to"}}}.
	Changed map[string]Change

	// Progress receives the progress: on a terminal, one line redrawn in
	// place; elsewhere (logs, files), whole lines only. nil prints nothing.
	Progress io.Writer

	// Hooks run after every step, in order, after the trainer's own outputs
	// for that step (metrics.jsonl, checkpoint, evaluation). An error from a
	// hook stops the run. Pictures of a run are hooks too: see
	// visual.TrainingPictures.
	Hooks []Hook

	// clock reads the time; nil means time.Now. Tests advance a fake one.
	clock func() time.Time
}

// Change is a setting's value before and after a resumption.
type Change struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// Event tells a hook where training is and what the step produced.
type Event struct {
	Step       int64    // global steps done
	Epoch      int      // the epoch this step belongs to, from 1
	Epochs     float64  // epochs done, fractional: Step over the steps per epoch
	EndOfEpoch bool     // this step finished an epoch
	Last       bool     // this step spent the run's budget
	Metrics    []Metric // this step's metrics
	// Logged holds the metrics' means over the log window (Config.LogEvery)
	// when this step closed one, as written to metrics.jsonl; nil otherwise.
	Logged []Metric
	// Evaluated says the model evaluated itself after this step (at epoch
	// ends and at the last step, for models that are Evaluators); Eval holds
	// the metrics, which may be none.
	Evaluated bool
	Eval      []Metric
	Model     Model
}

// Hook is a callback run after each step; most hooks act only every N
// steps or at epoch ends (see Event.EndOfEpoch and Event.Last).
type Hook func(Event) error

// Result summarises a finished (or interrupted) run.
type Result struct {
	Steps        int64         // global step reached
	Epochs       float64       // epochs completed, fractional
	Wall         time.Duration // time spent in the loop
	Trained      time.Duration // training time (Config.Time's measure), Config.Trained included
	TimeUp       bool          // the time budget ended the run before its step budget
	Evaluating   time.Duration // the part of Wall spent in the model's evaluations
	ImagesPerSec float64       // training throughput, excluding checkpoints, evaluations and hooks (grids)
	Checkpoint   string        // last checkpoint written, if any
	Last         []Metric      // metrics averaged over the last epoch (or partial epoch)
	Eval         []Metric      // the last evaluation, for models that are Evaluators
}

// ErrNonFinite is returned (wrapped) when a step reports a NaN or an
// infinite metric, or leaves a non-finite parameter.
var ErrNonFinite = errors.New("non-finite value")

// Run trains m on batches from loader until the budget is spent or ctx is
// cancelled. On cancellation it saves a checkpoint (when Out is set) and
// returns ctx's error together with the result so far.
func Run(ctx context.Context, m Model, loader *datasets.Loader, cfg Config) (*Result, error) {
	if loader.Batch() != m.Batch() {
		return nil, fmt.Errorf("trainer: loader batch %d does not match the model's batch %d", loader.Batch(), m.Batch())
	}
	perEpoch := int64(loader.BatchesPerEpoch())
	total, err := TotalSteps(cfg.Epochs, cfg.Steps, perEpoch)
	if err != nil {
		return nil, err
	}
	if cfg.Start < 0 {
		return nil, fmt.Errorf("trainer: start step %d is negative", cfg.Start)
	}
	logEvery := cfg.LogEvery
	if logEvery <= 0 {
		logEvery = 100
	}
	r := &run{cfg: cfg, m: m, perEpoch: perEpoch, total: total, res: &Result{Steps: cfg.Start, Trained: cfg.Trained}, redraw: term.IsTerminal(cfg.Progress), now: cfg.clock}
	if r.now == nil {
		r.now = time.Now
	}
	if err := r.open(); err != nil {
		r.close()
		return nil, err
	}
	defer r.close()

	c, h, w := loader.ImageShape()
	images := make([]float32, m.Batch()*c*h*w)
	var labels []int // nil for an unlabelled set, such as a flat image folder
	if loader.Labelled() {
		labels = make([]int, m.Batch())
	}
	var window, epochAvg meter
	start := r.now()
	var paused time.Duration // grids and checkpoints, excluded from throughput
	windowStart := r.now()

	for step := cfg.Start; step < total; step++ {
		if err := ctx.Err(); err != nil {
			r.endLine()
			path, serr := r.checkpoint(step)
			r.finish(step, start, paused, epochAvg)
			if serr != nil {
				return r.res, errors.Join(err, serr)
			}
			r.res.Checkpoint = path
			return r.res, err
		}
		epoch, index := int(step/perEpoch), int(step%perEpoch)
		if err := loader.Fill(epoch, index, images, labels); err != nil {
			return r.res, err
		}
		metrics, err := m.Step(images, labels)
		if err != nil {
			return r.res, fmt.Errorf("trainer: step %d: %w", step+1, err)
		}
		for _, mt := range metrics {
			if math.IsNaN(mt.Value) || math.IsInf(mt.Value, 0) {
				r.endLine()
				return r.res, fmt.Errorf("trainer: step %d (epoch %d): %s = %v: %w; stopping without saving over the last good checkpoint",
					step+1, epoch+1, mt.Name, mt.Value, ErrNonFinite)
			}
		}
		window.add(metrics)
		epochAvg.add(metrics)
		done := step + 1
		r.res.Steps = done
		r.res.Trained = cfg.Trained + r.since(start) - paused
		ev := Event{Step: done, Epoch: epoch + 1, Epochs: float64(done) / float64(perEpoch),
			EndOfEpoch: done%perEpoch == 0, Last: done == total, Metrics: metrics, Model: m}
		if cfg.Time > 0 && r.res.Trained >= cfg.Time && !ev.Last {
			ev.Last, r.res.TimeUp = true, true
			if e, ok := m.(EndAware); ok {
				e.EndsAt(done)
			}
		}

		if done%logEvery == 0 || ev.Last {
			el := r.since(windowStart).Seconds()
			ips := float64(window.n*m.Batch()) / el
			ev.Logged = window.mean()
			if err := r.logMetrics(done, ev.Logged, ips); err != nil {
				return r.res, err
			}
			window = meter{}
			windowStart = r.now()
		}
		r.progress(done, epochAvg.mean(), start, paused)

		t0 := r.now()
		if ev.EndOfEpoch || (cfg.CkptEvery > 0 && done%cfg.CkptEvery == 0) || ev.Last {
			path, err := r.checkpoint(done)
			if err != nil {
				return r.res, err
			}
			r.res.Checkpoint = path
		}
		if ev.EndOfEpoch || ev.Last {
			var err error
			if ev.Evaluated, ev.Eval, err = r.evaluate(done); err != nil {
				return r.res, err
			}
		}
		if ev.EndOfEpoch {
			// The pause so far (checkpoint, evaluation) is not training
			// time: leave it out of the epoch's speed.
			r.epochSummary(done, append(epochAvg.mean(), r.res.Eval...), start, paused+r.since(t0))
			r.res.Last = epochAvg.mean()
			epochAvg = meter{}
		}
		for _, hook := range cfg.Hooks {
			if err := hook(ev); err != nil {
				return r.res, fmt.Errorf("trainer: step %d: hook: %w", done, err)
			}
		}
		pause := r.since(t0)
		paused += pause
		windowStart = windowStart.Add(pause)
		if ev.Last {
			break
		}
	}
	r.endLine()
	r.finish(r.res.Steps, start, paused, epochAvg)
	return r.res, nil
}

// TotalSteps returns a run's step budget: steps when positive, else
// epochs epochs (0 means 1) of perEpoch steps each. A budget beyond
// int64 is an error rather than a wrapped-around number.
func TotalSteps(epochs int, steps, perEpoch int64) (int64, error) {
	if steps > 0 {
		return steps, nil
	}
	if epochs <= 0 {
		epochs = 1
	}
	if perEpoch > 0 && int64(epochs) > math.MaxInt64/perEpoch {
		return 0, fmt.Errorf("trainer: %d epochs of %d steps is more steps than an int64 counts", epochs, perEpoch)
	}
	return int64(epochs) * perEpoch, nil
}

func (r *run) finish(step int64, start time.Time, paused time.Duration, epochAvg meter) {
	r.res.Wall = r.since(start)
	r.res.Epochs = float64(step) / float64(r.perEpoch)
	if n := step - r.cfg.Start; n > 0 {
		r.res.ImagesPerSec = float64(n*int64(r.m.Batch())) / (r.res.Wall - paused).Seconds()
	}
	if epochAvg.n > 0 {
		r.res.Last = epochAvg.mean()
	}
}

// run holds the state of one Run call.
type run struct {
	cfg      Config
	m        Model
	perEpoch int64
	total    int64
	res      *Result
	metrics  *os.File
	redraw   bool // Progress is a terminal: redraw one line
	lastDraw time.Time
	drawn    bool             // a redrawn line is on screen, not yet ended
	now      func() time.Time // the clock (Config.clock)
}

func (r *run) since(t time.Time) time.Duration { return r.now().Sub(t) }

func (r *run) open() error {
	if r.cfg.Out == "" {
		return nil
	}
	for _, dir := range []string{r.cfg.Out, filepath.Join(r.cfg.Out, "checkpoints")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("trainer: cannot create run folder: %w", err)
		}
	}
	// A named pipe in its place would block the open until read.
	f, err := regularfile.Append(filepath.Join(r.cfg.Out, MetricsFile), 0o644)
	if err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	r.metrics = f
	if r.cfg.Start == 0 {
		return nil
	}
	rec := r.record(r.cfg.Start)
	rec["resumed"] = true
	if len(r.cfg.Changed) > 0 {
		rec["changed"] = r.cfg.Changed
	}
	return r.writeRecord(rec)
}

func (r *run) close() {
	if r.metrics != nil {
		r.metrics.Close()
	}
}

func (r *run) logMetrics(step int64, ms []Metric, imagesPerSec float64) error {
	if r.metrics == nil {
		return nil
	}
	rec := r.record(step)
	rec["images_per_s"] = math.Round(imagesPerSec*10) / 10
	for _, m := range ms {
		rec[m.Name] = m.Value
	}
	return r.writeRecord(rec)
}

// evaluate runs the model's evaluation, if it has one, logs it, counts
// its time and returns its metrics.
func (r *run) evaluate(step int64) (evaluated bool, ms []Metric, err error) {
	ev, ok := r.m.(Evaluator)
	if !ok {
		return false, nil, nil
	}
	t0 := r.now()
	ms, err = ev.Evaluate()
	r.res.Evaluating += r.since(t0)
	if err != nil {
		return false, nil, fmt.Errorf("trainer: step %d: evaluation: %w", step, err)
	}
	r.res.Eval = ms
	if r.metrics == nil {
		return true, ms, nil
	}
	rec := r.record(step)
	rec["eval"] = true
	for _, m := range ms {
		rec[m.Name] = m.Value
	}
	return true, ms, r.writeRecord(rec)
}

// record starts a metrics.jsonl record at a step: the step, the epochs
// done, the training time (Result.Trained, in seconds) and the wall
// clock.
func (r *run) record(step int64) map[string]any {
	return map[string]any{"step": step, "epoch": math.Round(float64(step)/float64(r.perEpoch)*1000) / 1000,
		trainedField: math.Round(r.res.Trained.Seconds()*1000) / 1000, "time": r.now().UTC().Format(time.RFC3339)}
}

// writeRecord appends one JSON line to metrics.jsonl.
func (r *run) writeRecord(rec map[string]any) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("trainer: metrics: %w", err)
	}
	if _, err := r.metrics.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("trainer: writing %s: %w", r.metrics.Name(), err)
	}
	return nil
}

// checkpoint saves parameters and optimiser state at the given step.
func (r *run) checkpoint(step int64) (string, error) {
	if r.cfg.Out == "" {
		return "", nil
	}
	extra := r.cfg.Extra
	if r.cfg.Time > 0 {
		// Only a budgeted run records its training time: a time differs
		// from run to run, and other runs' checkpoints stay reproducible.
		extra = maps.Clone(extra)
		if extra == nil {
			extra = map[string]string{}
		}
		extra[trainedKey] = r.res.Trained.String()
	}
	c, err := Checkpoint(r.m, step, int(step/r.perEpoch), r.cfg.Seed, extra)
	if err != nil {
		return "", err
	}
	dir := checkpoints.Dir{Path: filepath.Join(r.cfg.Out, "checkpoints"), Keep: r.cfg.Keep}
	path, err := dir.Save(c)
	if err != nil {
		return "", fmt.Errorf("trainer: step %d: %w", step, err)
	}
	return path, nil
}
