// Command train-vae trains a variational autoencoder on MNIST (or any IDX
// data set of the same layout) and writes a run folder with
// reconstructions, samples, metrics, the test-set loss per epoch, the
// importance-weighted bound at the end, and checkpoints. With no flags it
// trains the pytorch/examples MLP VAE on the MNIST files that ship inside
// the GoMNIST module: nothing to download.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

const summary = `
train-vae trains a variational autoencoder on MNIST.

  go run ./cmd/train-vae                 # the pytorch/examples VAE, 10 epochs
  go run ./cmd/train-vae -z 2 -epochs 20 -o runs/vae-2d
  go run ./cmd/train-vae -binarize -iwae-k 1,50,5000 -iwae-n 1000
  go run ./cmd/train-vae -classes 10 -o runs/cvae   # conditional VAE
  go run ./cmd/train-vae -model conv -epochs 5        # convolutional VAE
  go run ./cmd/train-vae -model conv -data DIR -classes auto   # your images, conditioned on their class folders
  go run ./cmd/train-vae -ckpt runs/vae-20260101-120000 -iwae-k 1,50,5000   # evaluate, no training

The data is MNIST from the GoMNIST module unless -data (or GORGOZOO_DATA)
names a folder with the four MNIST IDX files (train- and t10k-, images and
labels, plain or .gz) or a folder of images, grey or colour (see -size,
-channels). Every pixel value is scored by a Bernoulli cross-entropy, so
for colour and grey-level images the loss compares runs on the same data
only (docs/models/vae.md). Every epoch the test loss (negative ELBO, nats per
image, as pytorch/examples reports it) is measured on the test images; at
the end of the run the importance-weighted (IWAE) bound on the test NLL
with -iwae-k samples. The run folder gets config.json, metrics.jsonl,
loss.png, reconstructions.png (test images beside their reconstructions),
samples.png (decoded prior draws), manifold.png when -z is 2, samples/
(one grid of each per epoch) and checkpoints/ (the last few). Ctrl-C
saves a checkpoint and exits.
With -classes 10 the VAE is class-conditional: encoder and decoder read
the digit's one-hot label, samples.png has one column per digit, and
cmd/sample -class N draws digit N. Unless -beta and -label-layers say
otherwise, a conditional model trains with β = 4 and its decoder reads
the label at every layer, which makes its draws obey the label.
Sample from a run with: go run ./cmd/sample -ckpt RUN_FOLDER -n 64 -o grid.png`

// dryRun* set the smoke test's size: one epoch of 20 steps, a slice of the
// test set, and a few importance samples.
const (
	dryRunSteps = 20
	dryRunTest  = 500
	dryRunMaxK  = 5
)

// options are the command's flags.
type options struct {
	cli.RunFlags
	Model    string  `json:"model"`
	LR       float64 `json:"lr"`
	Z        int     `json:"z"`
	Hidden   []int   `json:"hidden"`
	Beta     float64 `json:"beta"`
	Binarize bool    `json:"binarize"`
	Classes  int     `json:"classes,omitempty"`
	// LabelLayers and BetaWarmup are written only when set, so that the
	// flags recorded by earlier runs' config.json stay as they were.
	LabelLayers bool `json:"label_layers,omitempty"`
	BetaWarmup  int  `json:"beta_warmup,omitempty"`
	cli.IWAEFlags
	IWAEEvery bool   `json:"iwae_every"`
	Ckpt      string `json:"-"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Exit(os.Stderr, "train-vae", run(ctx, os.Args[1:], os.Stdout, os.Stderr)))
}

func parse(args []string, stdout io.Writer) (options, error) {
	o := options{}
	def, err := vae.Preset(vae.ArchMLP)
	if err != nil {
		return o, err
	}
	cfg, tc := def.Config.WithDefaults(), def.Train.WithDefaults()
	var hidden string
	fs := flag.NewFlagSet("train-vae", flag.ContinueOnError)
	o.RunFlags.Register(fs, cli.RunDefaults{Epochs: def.Epochs, Batch: tc.Batch, Prefix: "vae", DryRun: "train 20 steps on a slice, test on 500 images with at most 5 importance samples, write every output (a smoke test)", Generative: true, Freeze: "enc.fc1,enc.fc_mu"})
	fs.StringVar(&o.Model, "model", cfg.Arch, "architecture and its recipe: "+strings.Join(vae.Archs, ", ")+" (conv: two stride-2 convolutions 32, 64 → 256 → z, mirrored with upsampling)")
	fs.Float64Var(&o.LR, "lr", tc.LR, "Adam learning rate")
	fs.IntVar(&o.Z, "z", cfg.Z, "latent size (2 also draws a manifold grid)")
	fs.StringVar(&hidden, "hidden", "400", "MLP encoder hidden sizes, comma-separated; the decoder mirrors them (-model mlp only)")
	fs.Float64Var(&o.Beta, "beta", cli.Shown(cfg.Beta), "weight of the KL term in training (β-VAE; 0: a KL-free objective; a new conditional model's default is 4); the test loss always uses 1")
	fs.BoolVar(&o.Binarize, "binarize", false, "train on a fresh Bernoulli draw of the pixels each step, test on one fixed draw (grey images only)")
	cli.RegisterClasses(fs, &o.Classes, "condition encoder and decoder on the label, one of this many classes (10 for MNIST; 0: unconditional)")
	fs.BoolVar(&o.LabelLayers, "label-layers", false, "a conditional model's decoder reads the label at every layer, not only beside z (a new conditional model's default: true; -label-layers=false keeps it beside z)")
	fs.IntVar(&o.BetaWarmup, "beta-warmup", 0, "raise the KL weight linearly from 0 to -beta over this many training steps (KL annealing; 0: none)")
	o.IWAEFlags.Register(fs, "at the end of training")
	fs.BoolVar(&o.IWAEEvery, "iwae-every", false, "compute the IWAE bound at every epoch end, not only at the end")
	fs.StringVar(&o.Ckpt, "ckpt", "", "evaluate this checkpoint (file or run folder) instead of training: test loss and the -iwae-k bounds")
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cli.PrintUsage(stdout, fs, summary)
		}
		return o, err
	}
	var c cli.Checks
	o.RunFlags.Check(&c)
	o.IWAEFlags.Check(&c)
	o.Settle(fs)
	c.Range("lr", o.LR, 0, 1)
	c.Positive("z", int64(o.Z))
	c.Between("beta", o.Beta, 0, 1e6)
	c.NonNegative("beta-warmup", int64(o.BetaWarmup))
	if err := c.Err(); err != nil {
		return o, err
	}
	recipe, err := vae.Preset(o.Model)
	if err != nil {
		return o, cli.Usagef("-model must be one of %s (got %q)", strings.Join(vae.Archs, ", "), o.Model)
	}
	if err := cli.SetDefaults(fs, map[string]string{"epochs": strconv.Itoa(recipe.Epochs), "batch": strconv.Itoa(recipe.Train.Batch), "lr": strconv.FormatFloat(recipe.Train.LR, 'g', -1, 64)}); err != nil {
		return o, err
	}
	if o.Model != vae.ArchMLP {
		// The conv model's sizes are its own; a -hidden meant for the MLP
		// would silently mean something else.
		if given(fs, "hidden") {
			return o, cli.Usagef("-hidden sets the MLP's layers; -model %s has fixed sizes", o.Model)
		}
	} else if o.Hidden, err = cli.ParseInts("hidden", hidden, 1, 1<<16); err != nil {
		return o, err
	}
	return o, nil
}

// configs returns the model and training settings the flags ask for, for
// images of c channels and h×w pixels. A flag's 0 is a setting (β = 0), which the library
// spells as a negative number.
func configs(o options, c, h, w int) (vae.Config, vae.TrainConfig) {
	return vae.Config{Arch: o.Model, Z: o.Z, Hidden: o.Hidden, ImageChannels: c, Height: h, Width: w, Beta: cli.Explicit(o.Beta), Binarize: o.Binarize, Classes: o.Classes, LabelLayers: o.LabelLayers, BetaWarmup: o.BetaWarmup, MaxMemory: o.MaxMemory.Bytes()},
		vae.TrainConfig{Batch: o.Batch, LR: o.LR, PreviewSeed: o.Seed}
}

// conditional gives a new conditional model the settings of
// vae.Recipe.Conditional that its flags do not set: label layers and
// β = 4. An unconditional model keeps its flags' defaults.
func conditional(o options) (options, error) {
	if o.Classes == 0 {
		return o, nil
	}
	recipe, err := vae.Preset(o.Model)
	if err != nil {
		return o, err
	}
	cfg := recipe.Conditional(o.Classes).Config
	if !o.Given("beta") {
		o.Beta = cli.Shown(cfg.Beta)
	}
	if !o.Given("label-layers") {
		o.LabelLayers = cfg.LabelLayers
	}
	return o, nil
}

// given reports whether flag name was set on the command line.
func given(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// resume opens the -resume checkpoint, if any, and parses the flags
// again with the settings that the resumed run keeps.
func resume(args []string, o options, stdout io.Writer) (options, *checkpoints.Checkpoint, error) {
	ckpt, err := o.OpenResume(vae.Kind)
	if err != nil || ckpt == nil {
		return o, nil, err
	}
	var saved vae.Config
	if err := json.Unmarshal(ckpt.Meta.Config, &saved); err != nil {
		return o, nil, fmt.Errorf("-resume %s: model config: %w", o.Resume, err)
	}
	saved = saved.WithDefaults()
	if !slices.Contains(vae.Archs, saved.Arch) {
		return o, nil, fmt.Errorf("-resume %s: the checkpoint's model has architecture %q, which is not one of %s", o.Resume, saved.Arch, strings.Join(vae.Archs, ", "))
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	fixed := []cli.Fixed{
		{Flag: "model", Saved: saved.Arch, Now: o.Model},
		{Flag: "z", Saved: strconv.Itoa(saved.Z), Now: strconv.Itoa(o.Z)},
		{Flag: "beta", Saved: f(cli.Shown(saved.Beta)), Now: f(o.Beta)},
		{Flag: "binarize", Saved: strconv.FormatBool(saved.Binarize), Now: strconv.FormatBool(o.Binarize)},
		{Flag: "label-layers", Saved: strconv.FormatBool(saved.LabelLayers), Now: strconv.FormatBool(o.LabelLayers)},
		{Flag: "beta-warmup", Saved: strconv.Itoa(saved.BetaWarmup), Now: strconv.Itoa(o.BetaWarmup)},
		{Flag: "classes", Saved: strconv.Itoa(saved.Classes), Now: strconv.Itoa(o.Classes)},
	}
	if o.Classes == cli.AutoClasses {
		fixed[len(fixed)-1].Now = fixed[len(fixed)-1].Saved // auto takes the checkpoint's classes
	}
	if !saved.Convolutional() {
		fixed = append(fixed, cli.Fixed{Flag: "hidden", Saved: cli.IntsValue(saved.Hidden), Now: cli.IntsValue(o.Hidden)})
	}
	inherit, err := o.Inherit(fixed, stdout)
	if err != nil || len(inherit) == 0 {
		return o, ckpt, err
	}
	if o, err = parse(append(inherit, args...), stdout); err != nil {
		return o, nil, err
	}
	ckpt, err = o.OpenResume(vae.Kind)
	return o, ckpt, err
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parse(args, stdout)
	if err != nil {
		return err
	}
	var ckpt *checkpoints.Checkpoint
	if o.Ckpt == "" {
		if o, ckpt, err = resume(args, o, stdout); err != nil {
			return err
		}
	}
	test, err := o.TestSet(stderr)
	if err != nil {
		return err
	}
	if o.DryRun {
		if test, err = test.Subset(nil, min(dryRunTest, test.N)); err != nil {
			return err
		}
		if o.Steps == 0 {
			o.Steps = dryRunSteps
		}
		o.LogEvery = 5
		for i, k := range o.IWAEK {
			o.IWAEK[i] = min(k, dryRunMaxK)
		}
		slices.Sort(o.IWAEK)
		o.IWAEK = slices.Compact(o.IWAEK)
	}
	iwaeN := o.IWAEN
	if iwaeN <= 0 || iwaeN > test.N {
		iwaeN = test.N
	}
	if o.Ckpt != "" {
		return evaluate(ctx, o, test, iwaeN, stdout)
	}
	set, err := o.TrainingSet(stderr)
	if err != nil {
		return err
	}
	if o.DryRun {
		if set, err = set.Subset(nil, min(dryRunSteps*o.Batch, set.N)); err != nil {
			return err
		}
	}
	if o.Batch > set.N {
		return cli.Usagef("-batch %d is larger than the data set (%d images)", o.Batch, set.N)
	}
	if test.H != set.H || test.W != set.W {
		return fmt.Errorf("test images are %dx%d but training images %dx%d (%s)", test.H, test.W, set.H, set.W, test.Source)
	}
	folder, err := o.OpenRun("vae", stdout)
	if err != nil {
		return err
	}
	defer func() { folder.Close(err != nil) }()
	stopServe, err := cli.Serve(ctx, o.Serve, folder.Dir, stdout, stderr)
	if err != nil {
		return err
	}
	defer stopServe()
	out := folder.Dir

	var model *vae.Model
	if ckpt != nil {
		model, err = vae.FromCheckpointWithin(ckpt, o.MaxMemory.Bytes()) // the architecture flags give way to the checkpoint's
	} else if o.Classes, err = cli.Classes(o.Classes, set); err == nil {
		o, err = conditional(o)
		if err != nil {
			return err
		}
		cfg, _ := configs(o, set.Channels(), set.H, set.W)
		model, err = vae.New(cfg, o.Seed)
	}
	if err != nil {
		return err
	}
	if o.Classes, err = cli.Classes(model.Config.Classes, set); err != nil { // a resumed model's own classes
		return err
	}
	if c, h, w := model.Config.ImageShape(); c != set.Channels() || h != set.H || w != set.W {
		return fmt.Errorf("the model takes %dx%dx%d images (channels x height x width) but the data set %s holds %dx%dx%d", c, h, w, set.Source, set.Channels(), set.H, set.W)
	}
	_, tc := configs(o, set.Channels(), set.H, set.W)
	step, err := vae.NewStep(model, tc, o.Seed)
	if err != nil {
		return err
	}
	tester, err := vae.NewTester(model, test, vae.TestConfig{Seed: o.Seed})
	if err != nil {
		return err
	}
	// Labels is nil for an unconditional model, which reconstructs without.
	if err := step.SetPreviewImages(tester.Images(0, 32), tester.Labels(0, 32)); err != nil {
		return err
	}
	loader, err := datasets.NewLoader(set, o.Batch, o.Seed, datasets.ScaleUnit)
	if err != nil {
		return err
	}
	final := o.Steps
	if final <= 0 {
		final = int64(o.Epochs) * int64(loader.BatchesPerEpoch())
	}
	ev := &vae.EvalStep{Train: step, Test: tester, IWAEK: o.IWAEK, IWAEImages: iwaeN, IWAEEvery: o.IWAEEvery, FinalStep: final}
	if ckpt != nil {
		if o.Start, err = trainer.Resume(ckpt, ev); err != nil {
			return err
		}
	}
	if err := o.RecordChanges(o, stdout); err != nil {
		return err
	}
	if err := cli.WriteJSON(filepath.Join(out, "config.json"), map[string]any{
		"command": "train-vae", "flags": o, "model": model.Config, "data": set.Source, "test_data": test.Source,
		"versions": trainer.Versions(),
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "data: %s (%d images %dx%d%s); test: %d images\n", set.Source, set.N, set.H, set.W, colour(set), test.N)
	conditional := ""
	if model.Config.Classes > 0 {
		conditional = fmt.Sprintf(" conditional on %d classes,", model.Config.Classes)
	}
	channels := ""
	if model.Config.Channels != nil {
		channels = fmt.Sprintf(" channels=%v", model.Config.Channels)
	}
	fmt.Fprintf(stdout, "model: %s VAE z=%d%s hidden=%v β=%g binarize=%v,%s %d parameters\n",
		model.Config.Arch, model.Config.Z, channels, model.Config.Hidden, cli.Shown(model.Config.Beta), model.Config.Binarize, conditional, model.Params().Count())
	fmt.Fprintf(stdout, "run folder: %s\n", out)

	if _, err := o.Transfer(ev, stdout); err != nil {
		return err
	}
	m, err := o.WithSampleEval(ev, loader, vae.NewInference(model).Sample)
	if err != nil {
		return err
	}
	res, err := cli.Train(ctx, m, loader, o.RunFlags, stdout, stderr)
	if err != nil {
		return err
	}
	if q := cli.SampleQuality(res.Eval, o.EvalN); q != "" {
		fmt.Fprintln(stdout, q)
	}
	fmt.Fprintln(stdout, closing(res.Eval, o.IWAEK, test.N, iwaeN))
	for _, name := range []string{"reconstructions", "samples", "manifold"} {
		if name == "manifold" && (model.Config.Z != 2 || model.Config.Classes > 0) {
			continue
		}
		fmt.Fprintf(stdout, "%s: %s\n", name, filepath.Join(out, name+".png"))
	}
	fmt.Fprintf(stdout, "checkpoint: %s\n", res.Checkpoint)
	return nil
}

// colour says ", colour" for a set of RGB images, nothing for grey ones.
func colour(set *datasets.Set) string {
	if set.Channels() == 3 {
		return ", colour"
	}
	return ""
}

// closing summarises the last evaluation: the test loss and its terms,
// then each IWAE bound.
func closing(ms []trainer.Metric, ks []int, testN, iwaeN int) string {
	get := func(name string) (float64, bool) {
		for _, m := range ms {
			if m.Name == name {
				return m.Value, true
			}
		}
		return 0, false
	}
	loss, _ := get("test_loss")
	bce, _ := get("test_bce")
	kl, _ := get("test_kl")
	s := fmt.Sprintf("test loss %.2f nats/image (BCE %.2f + KL %.2f) on %d images", loss, bce, kl, testN)
	var bounds []string
	for _, k := range ks {
		if v, ok := get(vae.IWAEMetric(k)); ok {
			bounds = append(bounds, fmt.Sprintf("k=%d %.2f", k, v))
		}
	}
	if len(bounds) > 0 {
		s += fmt.Sprintf("; IWAE NLL bound %s nats/image on %d images", strings.Join(bounds, ", "), iwaeN)
	}
	return s
}

// evaluate measures a saved model as the end of its training run did: the
// tester takes the seed recorded in the checkpoint, so its ε draws (and a
// binarising model's fixed test draw) are the ones the run used.
func evaluate(ctx context.Context, o options, test *datasets.Set, iwaeN int, stdout io.Writer) error {
	c, path, err := cli.OpenCheckpoint(o.Ckpt)
	if err != nil {
		return err
	}
	model, err := vae.FromCheckpointWithin(c, o.MaxMemory.Bytes())
	if err != nil {
		return fmt.Errorf("-ckpt %s: %w", path, err)
	}
	tester, err := vae.NewTester(model, test, vae.TestConfig{Seed: c.Meta.Seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "checkpoint: %s (step %d, epoch %d)\n", path, c.Meta.Step, c.Meta.Epoch)
	start := time.Now()
	loss, err := tester.Loss(ctx)
	if err != nil {
		return err
	}
	ms := []trainer.Metric{{Name: "test_loss", Value: loss.Loss}, {Name: "test_bce", Value: loss.BCE}, {Name: "test_kl", Value: loss.KL}}
	fmt.Fprintf(stdout, "test loss %.2f nats/image on %d images (%s)\n", loss.Loss, test.N, time.Since(start).Round(time.Millisecond))
	for _, k := range o.IWAEK {
		start := time.Now()
		nll, err := tester.IWAE(ctx, k, iwaeN)
		if err != nil {
			return err
		}
		ms = append(ms, trainer.Metric{Name: vae.IWAEMetric(k), Value: nll})
		fmt.Fprintf(stdout, "IWAE NLL bound k=%d: %.2f nats/image on %d images (%s)\n", k, nll, iwaeN, time.Since(start).Round(time.Millisecond))
	}
	fmt.Fprintln(stdout, closing(ms, o.IWAEK, test.N, iwaeN))
	return nil
}
