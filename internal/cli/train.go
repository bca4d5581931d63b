package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/eval"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/visual"
)

// RunFlags are the flags every training command has.
type RunFlags struct {
	Epochs      int    `json:"epochs"`
	Steps       int64  `json:"steps"`
	Time        Budget `json:"time,omitempty"`
	Batch       int    `json:"batch"`
	Seed        uint64 `json:"seed"`
	Data        string `json:"data"`
	Out         string `json:"out"`
	SampleEvery int64  `json:"sample_every"`
	CkptEvery   int64  `json:"ckpt_every"`
	Keep        int    `json:"keep"`
	LogEvery    int64  `json:"log_every"`
	DryRun      bool   `json:"dry_run"`
	Resume      string `json:"resume,omitempty"`
	InitFrom    string `json:"init_from,omitempty"`
	Freeze      string `json:"freeze,omitempty"`
	Digits      string `json:"digits,omitempty"`
	Limit       int    `json:"limit,omitempty"`
	EvalEvery   int    `json:"eval_every"`
	EvalN       int    `json:"eval_n"`
	MaxMemory   Memory `json:"max_memory,omitempty"`
	DataFlags

	// Start is the step a resumed run starts from (set by the command from
	// the checkpoint, not a flag).
	Start int64 `json:"start,omitempty"`
	// Serve is -serve: the address of a server of the run's folder for the
	// length of the run (see Serve); not part of the run's settings.
	Serve string `json:"-"`

	given     map[string]bool            // the flags on the command line (Settle)
	trained   time.Duration              // training time before the -resume checkpoint (trainer.TrainedBefore)
	resumeDir string                     // the run folder of the -resume checkpoint
	saved     map[string]json.RawMessage // the flags in its config.json; nil if it has none
	changed   map[string]trainer.Change  // settings a resumed run changes (RecordChanges)
}

// defaultEvalN is the number of samples of a sample evaluation.
const defaultEvalN = 10000

// RunDefaults are a training command's defaults for the shared flags,
// and which of them it offers.
type RunDefaults struct {
	Epochs, Batch int
	Prefix        string // names default run folders: runs/<Prefix>-<time>
	DryRun        string // what -dry-run does
	// Generative offers the flags of generative models: -resume,
	// -init-from, -freeze (Freeze is an example of its parameter names),
	// -digits, -limit, -eval-every and -eval-n.
	Generative bool
	Freeze     string
	// EvalN is the default of -eval-n, the samples of a measurement; 0
	// means 10,000.
	EvalN int
}

// Register adds the flags to fs with a command's defaults; a command
// that is not Generative gets only the flags it accepts, and the rest
// keep their zero values.
func (r *RunFlags) Register(fs *flag.FlagSet, d RunDefaults) {
	fs.IntVar(&r.Epochs, "epochs", d.Epochs, "epochs to train")
	fs.Int64Var(&r.Steps, "steps", 0, "stop after this many steps in total (0: train -epochs epochs)")
	fs.Var(&r.Time, "time", "also stop after this much training time, e.g. 10m or 1h30m (steps only: checkpoints, pictures and evaluations are not counted); the run then saves and evaluates as at its end (0: no limit)")
	fs.IntVar(&r.Batch, "batch", d.Batch, "images per step")
	fs.Uint64Var(&r.Seed, "seed", 1, "seed of initialisation, data order and noise: same seed, same run")
	fs.StringVar(&r.Data, "data", "", DataHelp)
	r.DataFlags.Register(fs)
	fs.StringVar(&r.Out, "o", "", "new run folder to write; one holding a run is refused (continue it with -resume) (default: runs/"+d.Prefix+"-<time>)")
	fs.Int64Var(&r.SampleEvery, "sample-every", 0, "also write the grids every N steps (0: at each epoch end)")
	fs.Int64Var(&r.CkptEvery, "ckpt-every", 0, "also checkpoint every N steps (0: at each epoch end)")
	fs.IntVar(&r.Keep, "keep", 3, "checkpoints to keep")
	fs.Int64Var(&r.LogEvery, "log-every", 100, "steps per metrics.jsonl line")
	fs.BoolVar(&r.DryRun, "dry-run", false, d.DryRun)
	RegisterMemory(fs, &r.MaxMemory)
	if !d.Generative {
		r.EvalN = defaultEvalN // recorded in config.json as before
		return
	}
	fs.StringVar(&r.InitFrom, "init-from", "", "start from another run's parameters (checkpoint file or run folder), matched by name and shape; the rest stay fresh")
	fs.StringVar(&r.Freeze, "freeze", "", "comma-separated parameter name prefixes to keep fixed, e.g. "+d.Freeze)
	fs.StringVar(&r.Digits, "digits", "", "train only on these digits, e.g. 5,6,7,8,9 (default: all)")
	fs.IntVar(&r.Limit, "limit", 0, "train on at most this many images, in file order after -digits (0: all)")
	fs.IntVar(&r.EvalEvery, "eval-every", 0, "measure samples (FID, Inception score, precision/recall, digits covered) every N epochs; 0: at the end of the run only, -1: never")
	evalN := d.EvalN
	if evalN == 0 {
		evalN = defaultEvalN
	}
	fs.IntVar(&r.EvalN, "eval-n", evalN, "samples per measurement (-eval-every)")
	fs.StringVar(&r.Serve, "serve", "", "while training, serve the run folder's parent to a browser on this address, e.g. 127.0.0.1:8080 (see cmd/serve)")
	fs.StringVar(&r.Resume, "resume", "", "continue the run saved in this checkpoint (file or run folder): same model, optimiser state, seed, data order and noise (a flag contradicting them is an error); -epochs/-steps give the new total; changed settings such as -lr are recorded in metrics.jsonl")
}

// OpenResume loads the -resume checkpoint, if any. The run continues with
// the checkpoint's seed (which fixes the data order) and, unless -o says
// otherwise, in the run folder that holds it. The command then checks the
// settings the run keeps with Inherit.
func (r *RunFlags) OpenResume(kind string) (*checkpoints.Checkpoint, error) {
	if r.Resume == "" {
		return nil, nil
	}
	c, path, err := OpenCheckpoint(r.Resume)
	if err != nil {
		return nil, fmt.Errorf("-resume: %w", err)
	}
	if c.Meta.Kind != kind {
		return nil, fmt.Errorf("-resume %s: the checkpoint holds a %q model, this command trains %q", path, c.Meta.Kind, kind)
	}
	if c.Meta.Step < 0 {
		return nil, fmt.Errorf("-resume %s: the checkpoint says it is at step %d; a step is never negative", path, c.Meta.Step)
	}
	r.Resume = path
	if err := r.checkSeed(c.Meta.Seed); err != nil {
		return nil, err
	}
	r.Seed = c.Meta.Seed
	r.Start = c.Meta.Step
	r.resumeDir = runFolderOf(path)
	if r.trained, err = trainer.TrainedBefore(c, r.resumeDir); err != nil {
		return nil, fmt.Errorf("-resume %s: %w", path, err)
	}
	if r.Out == "" {
		r.Out = r.resumeDir
	}
	if r.saved, err = savedFlags(r.resumeDir); err != nil {
		return nil, fmt.Errorf("-resume %s: %w", path, err)
	}
	return c, nil
}

// Settle remembers which flags were given, for Given and for resuming,
// and applies what depends on them: a dry run skips the sample evaluation
// (3 s of set-up) unless -eval-every is given. Call it before setting
// defaults with SetDefaults, which would count as given.
func (r *RunFlags) Settle(fs *flag.FlagSet) {
	r.given = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { r.given[f.Name] = true })
	if r.DryRun && !r.given["eval-every"] {
		r.EvalEvery = -1
	}
	if r.DryRun {
		r.EvalN = min(r.EvalN, 1000)
	}
}

// Check validates the flags' ranges.
func (r *RunFlags) Check(c *Checks) {
	c.Positive("epochs", int64(r.Epochs))
	c.NonNegative("steps", r.Steps)
	c.Positive("batch", int64(r.Batch))
	c.NonNegative("sample-every", r.SampleEvery)
	c.NonNegative("ckpt-every", r.CkptEvery)
	c.Positive("keep", int64(r.Keep))
	c.Positive("log-every", r.LogEvery)
	if c.err == nil && r.EvalEvery < -1 {
		c.err = Usagef("-eval-every must be -1 (never), 0 (at the end) or a number of epochs (got %d)", r.EvalEvery)
	}
	c.Count("eval-n", int64(r.EvalN), MaxImages)
	c.NonNegative("limit", int64(r.Limit))
	if c.err == nil {
		if _, err := ParseDigits("digits", r.Digits); err != nil {
			c.err = err
		}
	}
}

// Transfer applies -init-from and -freeze to m before training and prints
// what it did; it returns the names of the parameters it loaded. Transfer
// starts a new run from another's parameters, so it does not mix with
// -resume, which continues the same run.
func (r *RunFlags) Transfer(m trainer.Model, stdout io.Writer) (loaded []string, err error) {
	if r.InitFrom != "" {
		if r.Resume != "" {
			return nil, Usagef("-init-from and -resume do not go together: -resume continues a run, -init-from starts a new one")
		}
		c, path, err := OpenCheckpoint(r.InitFrom)
		if err != nil {
			return nil, fmt.Errorf("-init-from: %w", err)
		}
		var fresh []string
		loaded, fresh = c.InitParams(m.Params())
		// Fresh parameters are finite, so anything else came from the file.
		if err := m.Params().AllFinite(); err != nil {
			return nil, fmt.Errorf("-init-from %s: %w; a model with non-finite parameters is refused", path, err)
		}
		if len(loaded) == 0 {
			return nil, fmt.Errorf("-init-from %s: no parameter of this model is in the checkpoint with the same name and shape", path)
		}
		fmt.Fprintf(stdout, "init-from %s: loaded %d parameters: %s\n", path, len(loaded), strings.Join(loaded, " "))
		if len(fresh) > 0 {
			fmt.Fprintf(stdout, "init-from: left fresh: %s\n", strings.Join(fresh, ", "))
		}
	}
	if r.Freeze == "" {
		return loaded, nil
	}
	prefixes := strings.Split(r.Freeze, ",")
	var frozen []string
	for _, o := range m.Optimizers() {
		frozen = append(frozen, o.Adam.Freeze(prefixes...)...)
	}
	for _, pre := range prefixes {
		if !slices.ContainsFunc(frozen, func(n string) bool { return strings.HasPrefix(n, pre) }) {
			return nil, Usagef("-freeze: %q matches no trained parameter", pre)
		}
	}
	fmt.Fprintf(stdout, "frozen: %s\n", strings.Join(frozen, " "))
	return loaded, nil
}

// TrainingSet loads the training images (-data) and keeps the -digits and
// -limit subset. The progress of decoding an image folder goes to stderr.
func (r *RunFlags) TrainingSet(stderr io.Writer) (*datasets.Set, error) {
	set, err := r.DataFlags.Train(r.Data, r.Seed, stderr)
	if err != nil {
		return nil, err
	}
	digits, err := ParseDigits("digits", r.Digits)
	if err != nil {
		return nil, err
	}
	if len(digits) == 0 && r.Limit == 0 {
		return set, nil
	}
	return set.Subset(digits, r.Limit)
}

// TestSet loads the held-out images of -data (see DataFlags.Test).
func (r *RunFlags) TestSet(stderr io.Writer) (*datasets.Set, error) {
	return r.DataFlags.Test(r.Data, r.Seed, stderr)
}

// Total returns the run's step budget for a loader.
func (r *RunFlags) Total(loader *datasets.Loader) (int64, error) {
	total, err := trainer.TotalSteps(r.Epochs, r.Steps, int64(loader.BatchesPerEpoch()))
	if err != nil {
		return 0, Usagef("-epochs %d: %v; use -steps", r.Epochs, err)
	}
	return total, nil
}

// WithSampleEval wraps m so that the trainer also measures its samples
// with the reference MNIST classifier, as -eval-every asks; sample draws n
// images in [0, 1] from the model's current parameters.
func (r *RunFlags) WithSampleEval(m trainer.Model, loader *datasets.Loader, sample func(n int, seed uint64) ([]float32, error)) (trainer.Model, error) {
	// The reference classifier knows MNIST only.
	if r.EvalEvery < 0 || IsImageFolder(r.Data) {
		return m, nil
	}
	total, err := r.Total(loader)
	if err != nil {
		return nil, err
	}
	ev, err := eval.NewMNIST(r.Data, eval.Options{})
	if err != nil {
		return nil, fmt.Errorf("sample evaluation (-eval-every): %w", err)
	}
	return &sampleEval{
		Model: m, Sample: sample, Eval: ev, N: r.EvalN, Seed: r.Seed,
		Every: r.EvalEvery, PerEpoch: int64(loader.BatchesPerEpoch()), Start: r.Start, Final: total,
	}, nil
}

// SampleQuality formats the sample metrics of an evaluation, or "" when
// there are none.
func SampleQuality(ms []trainer.Metric, n int) string {
	var parts []string
	for _, m := range ms {
		switch m.Name {
		case "fid", "inception_score", "precision", "recall", "digits_covered", "kl_from_uniform":
			parts = append(parts, fmt.Sprintf("%s %.4g", m.Name, m.Value))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("sample quality (%d samples): %s", n, strings.Join(parts, ", "))
}

// Train runs the shared trainer with the flags' budget and outputs into
// the run folder r.Out (pictures included: sample grids and plots),
// showing progress on stderr (a redrawn line on a terminal, whole lines
// elsewhere). An interruption (Ctrl-C, SIGTERM) reports where the
// checkpoint went and returns ErrInterrupted; a finished run prints its
// length, its training time and speed, and its evaluation time.
func Train(ctx context.Context, m trainer.Model, loader *datasets.Loader, r RunFlags, stdout, stderr io.Writer) (*trainer.Result, error) {
	total, err := r.Total(loader)
	if err != nil {
		return nil, err
	}
	if r.Start > 0 {
		if r.Start >= total {
			return nil, Usagef("-resume: the checkpoint is at step %d, which the budget of %d steps does not pass; raise -epochs or -steps", r.Start, total)
		}
		fmt.Fprintf(stdout, "resuming at step %d (epoch %d) from %s\n", r.Start, r.Start/int64(loader.BatchesPerEpoch())+1, r.Resume)
	}
	budget, err := r.budget(stdout)
	if err != nil {
		return nil, err
	}
	var hooks []trainer.Hook
	if r.Out != "" {
		hooks = append(hooks, visual.TrainingPictures(r.Out, r.SampleEvery))
	}
	// A run of an image folder's classes records their names in its
	// checkpoints, beside config.json's class_names.
	var meta checkpoints.Meta
	if err := meta.SetClassNames(r.ClassNames); err != nil {
		return nil, err
	}
	res, err := trainer.Run(ctx, m, loader, trainer.Config{
		Extra:  meta.Extra,
		Start:  r.Start,
		Epochs: r.Epochs, Steps: r.Steps, Time: budget, Trained: r.trained, Out: r.Out, CkptEvery: r.CkptEvery, Keep: r.Keep,
		LogEvery: r.LogEvery, Seed: r.Seed, Changed: r.changed,
		Progress: stderr, Hooks: hooks,
	})
	if ctx.Err() != nil && res != nil {
		fmt.Fprintf(stdout, "stopped at step %d; checkpoint: %s\n", res.Steps, res.Checkpoint)
		return res, fmt.Errorf("%w at step %d", ErrInterrupted, res.Steps)
	}
	if err != nil {
		return res, err
	}
	fmt.Fprintln(stdout, trainedLine(res))
	return res, nil
}

// budget returns the run's time budget: -time, or for a resumed run
// without -time the budget of the run it continues; either counts from
// the training time before the checkpoint.
func (r *RunFlags) budget(stdout io.Writer) (time.Duration, error) {
	budget := time.Duration(r.Time)
	if r.Resume == "" {
		return budget, nil
	}
	if raw, ok := r.saved["time"]; ok && !r.given["time"] {
		var saved Budget
		if err := json.Unmarshal(raw, &saved); err != nil {
			return 0, fmt.Errorf("-resume %s: the run's config.json: time %s: %w", r.Resume, raw, err)
		}
		budget = time.Duration(saved)
	}
	if budget <= 0 {
		return 0, nil
	}
	if r.trained >= budget {
		return 0, Usagef("-resume: the run has trained for %s, which spends the time budget of %s; give a larger -time", roundTime(r.trained), budget)
	}
	fmt.Fprintf(stdout, "time budget %s: %s trained before, %s left\n", budget, roundTime(r.trained), roundTime(budget-r.trained))
	return budget, nil
}

// trainedLine says how long a finished run trained and, apart, how long
// its evaluations took: the closing one of a short run (sample quality,
// IWAE bounds) can take far longer than the steps.
func trainedLine(res *trainer.Result) string {
	s := fmt.Sprintf("trained %.2f epochs (%d steps) in %s: %.0f images/s", res.Epochs, res.Steps, roundTime(res.Wall-res.Evaluating), res.ImagesPerSec)
	if res.TimeUp {
		s += fmt.Sprintf("; the time budget ended it after %s of training", roundTime(res.Trained))
	}
	if res.Evaluating > 0 {
		s += fmt.Sprintf("; evaluation took %s", roundTime(res.Evaluating))
	}
	return s
}

// roundTime keeps a tenth of a second below 10 s, where whole seconds
// would print a short run as "0s".
func roundTime(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// SetDefaults gives each flag of fs named in defaults that value unless
// the user set the flag: a model's own defaults (SAGAN's learning rates,
// for one) replace the command's without overriding what was asked for.
func SetDefaults(fs *flag.FlagSet, defaults map[string]string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	names := make([]string, 0, len(defaults))
	for name := range defaults {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if given[name] {
			continue
		}
		if err := fs.Set(name, defaults[name]); err != nil {
			return fmt.Errorf("default -%s=%s: %w", name, defaults[name], err)
		}
	}
	return nil
}
