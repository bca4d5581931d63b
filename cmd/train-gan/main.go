// Command train-gan trains a GAN on MNIST (or any IDX data set of the same
// layout, or a folder of images of any size, grey or colour) and writes a
// run folder with sample grids, metrics and checkpoints. With no flags it
// trains the MLP GAN of gan.Preset("mlp") on the MNIST files that ship
// inside the GoMNIST module: nothing to download.
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

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

const summary = `
train-gan trains a generative adversarial network on MNIST or on a folder
of images.

  go run ./cmd/train-gan                 # the MLP GAN recipe (gan.Preset("mlp"))
  go run ./cmd/train-gan -model dcgan    # convolutional G and D
  go run ./cmd/train-gan -model sagan    # DCGAN + self-attention, spectral norm, hinge loss
  go run ./cmd/train-gan -epochs 5 -o runs/quick
  go run ./cmd/train-gan -model dcgan -data DIR -size 64   # your images, at 64x64
  go run ./cmd/train-gan -data DIR -classes auto           # conditional on DIR's class folders

Each -model has its own recipe (gan.Preset) for the optimiser and D
settings (see each flag's help); flags given on the command line override
it. A flag's 0 is a setting: -d-pack 1 -d-dropout 0 -ema 0 trains the
textbook MLP GAN.

The data is MNIST from the GoMNIST module unless -data (or GORGOZOO_DATA)
names a folder with train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz],
or a folder of images (grey or colour; -size and -channels shape them).
The models take the images' channels and size; dcgan and sagan have one
up/down-sampling stage per -g-channels/-d-channels entry, by default two
up to 32x32 and one more for each doubling above (64x64: three).
The run folder gets config.json, metrics.jsonl, loss.png, samples.png (the
latest grid), samples/ (one grid per epoch, from fixed noise) and
checkpoints/ (the last few). Ctrl-C saves a checkpoint and exits.
Sample from a run with: go run ./cmd/sample -ckpt RUN_FOLDER -n 64 -o grid.png`

// options are the command's flags.
type options struct {
	cli.RunFlags
	Model    string  `json:"model"`
	LR       float64 `json:"lr"`
	LRD      float64 `json:"lr_d"`
	LRG      float64 `json:"lr_g"`
	Beta1    float64 `json:"beta1"`
	Beta2    float64 `json:"beta2"`
	Z        int     `json:"z"`
	DDropout float64 `json:"d_dropout"`
	DSlope   float64 `json:"d_slope"`
	DMBStd   bool    `json:"d_minibatch_std"`
	DPack    int     `json:"d_pack"`
	EMA      float64 `json:"ema"`
	Classes  int     `json:"classes"`
	Cond     string  `json:"cond,omitempty"`
	GCond    string  `json:"g_cond,omitempty"`
	Discs    int     `json:"discriminators"`
	GMAN     float64 `json:"gman_lambda"`
	Gens     int     `json:"generators,omitempty"`
	MGANBeta float64 `json:"mgan_beta,omitempty"`
	GChans   []int   `json:"g_channels,omitempty"`
	DChans   []int   `json:"d_channels,omitempty"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Exit(os.Stderr, "train-gan", run(ctx, os.Args[1:], os.Stdout, os.Stderr)))
}

func parse(args []string, stdout io.Writer) (options, error) {
	o := options{}
	// The flags show the default recipe; -model's recipe replaces the
	// values not given on the command line.
	def, err := gan.Preset("mlp")
	if err != nil {
		return o, err
	}
	cfg, tc := def.Config.WithDefaults(), def.Train.WithDefaults()
	fs := flag.NewFlagSet("train-gan", flag.ContinueOnError)
	o.Register(fs, cli.RunDefaults{Epochs: def.Epochs, Batch: tc.Batch, Prefix: "gan", DryRun: "train 20 steps on 1280 images and write every output (a smoke test)", Generative: true, Freeze: "gen.fc1,gen.fc2"})
	fs.StringVar(&o.Model, "model", def.Config.Arch, "architecture and its recipe: "+strings.Join(gan.Presets, ", "))
	fs.Float64Var(&o.LR, "lr", tc.LR, "Adam learning rate (both players; dcgan: 5e-4)")
	fs.Float64Var(&o.LRD, "lr-d", 0, "D's learning rate (0: -lr; sagan: 1e-3)")
	fs.Float64Var(&o.LRG, "lr-g", 0, "G's learning rate (0: -lr; sagan: 5e-4)")
	fs.Float64Var(&o.Beta1, "beta1", cli.Shown(tc.Beta1), "Adam β1 (sagan: 0)")
	fs.Float64Var(&o.Beta2, "beta2", cli.Shown(tc.Beta2), "Adam β2 (sagan: 0.9)")
	fs.IntVar(&o.Z, "z", cfg.Z, "latent size")
	fs.BoolVar(&o.DMBStd, "d-minibatch-std", cfg.DMinibatchStd, "give D the batch's feature spread before its last layer (against mode collapse)")
	fs.IntVar(&o.DPack, "d-pack", cfg.DPack, "D judges packs of this many images (PacGAN; 1: single images; dcgan, sagan: 1)")
	fs.Float64Var(&o.EMA, "ema", cli.Shown(cfg.EMA), "decay of a moving average of G's weights used for sampling (0: none; dcgan, sagan: 0.99)")
	fs.Float64Var(&o.DDropout, "d-dropout", cli.Shown(cfg.DDropout), "dropout probability in D's hidden layers while training (0: none; dcgan, sagan: 0)")
	fs.Float64Var(&o.DSlope, "d-slope", cli.Shown(cfg.DSlope), "slope of D's LeakyReLU for negative inputs (0: ReLU)")
	cli.RegisterClasses(fs, &o.Classes, "condition G and D on the label, one of this many classes (10 for MNIST digits; 0: unconditional; needs labelled data)")
	fs.StringVar(&o.Cond, "cond", "", "with -classes, mlp: how G and D take the label: "+strings.Join(gan.CondModes, ", ")+" (default "+gan.DefaultCond+")")
	fs.StringVar(&o.GCond, "g-cond", "", "with -classes, mlp: how G takes the label: "+strings.Join(gan.GCondModes, ", ")+" (default "+gan.DefaultGCond+"; with -cond every: every)")
	fs.IntVar(&o.Discs, "discriminators", 1, "train this many discriminators against one generator (GMAN)")
	fs.Float64Var(&o.GMAN, "gman-lambda", 0, "with several discriminators, G minimises the softmax(λ·loss)-weighted mean of its losses (0: their mean)")
	fs.IntVar(&o.Gens, "generators", 1, "train a mixture of this many generators, sharing all but their first layer, and a head of D that tells which drew an image (MGAN)")
	fs.Float64Var(&o.MGANBeta, "mgan-beta", 0.01, "with several generators, the weight β of the term that pushes them apart: β × the generator head's cross-entropy (0: none)")
	var gChans, dChans string
	fs.StringVar(&gChans, "g-channels", "", "dcgan/sagan: G's channels, comma-separated, one per stage from its smallest maps up; S of them need image sides divisible by 2^S (default: from the image size: 64,32 up to 32x32, then one more stage per doubling: 128,64,32 from 64x64)")
	fs.StringVar(&dChans, "d-channels", "", "dcgan/sagan: D's channels, comma-separated, one per stride-2 stage from the image down, as many as G's (default: 32,64 up to 32x32, 32,64,128 from 64x64; as many as -g-channels when that is given)")
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cli.PrintUsage(stdout, fs, summary)
		}
		return o, err
	}
	o.Settle(fs) // before the recipe's defaults, which would count as given
	recipe, err := gan.Preset(o.Model)
	if err != nil {
		return o, cli.Usagef("-model must be one of %s (got %q)", strings.Join(gan.Presets, ", "), o.Model)
	}
	if err := cli.SetDefaults(fs, recipeFlags(recipe)); err != nil {
		return o, err
	}
	if o.Model != "mlp" {
		if o.GChans, err = parseChannels("g-channels", gChans); err != nil {
			return o, err
		}
		if o.DChans, err = parseChannels("d-channels", dChans); err != nil {
			return o, err
		}
	}
	var c cli.Checks
	o.RunFlags.Check(&c)
	c.Range("lr", o.LR, 0, 1)
	c.Between("lr-d", o.LRD, 0, 1)
	c.Between("lr-g", o.LRG, 0, 1)
	c.Between("beta1", o.Beta1, 0, 0.999999)
	c.Range("beta2", o.Beta2, 0, 0.999999999)
	c.Positive("z", int64(o.Z))
	c.Fraction("d-dropout", o.DDropout)
	c.Fraction("ema", o.EMA)
	c.Between("d-slope", o.DSlope, 0, 1)
	c.Positive("d-pack", int64(o.DPack))
	c.Positive("discriminators", int64(o.Discs))
	c.Positive("generators", int64(o.Gens))
	c.Between("mgan-beta", o.MGANBeta, 0, 1e6)
	if c.Err() == nil && !(o.GMAN >= 0 && o.GMAN <= 1e6) { // also refuses NaN
		return o, cli.Usagef("-gman-lambda must be in [0, 1e6] (got %g)", o.GMAN)
	}
	if c.Err() == nil && o.Discs > 1 && o.Classes > 0 {
		return o, cli.Usagef("-discriminators %d cannot be combined with -classes %d (conditional GMAN is not supported)", o.Discs, o.Classes)
	}
	if c.Err() == nil && o.Batch%o.DPack != 0 {
		return o, cli.Usagef("-batch %d must be a multiple of -d-pack %d", o.Batch, o.DPack)
	}
	return o, c.Err()
}

// recipeFlags are the flag values of a recipe, which -model's recipe
// gives the flags not set on the command line.
func recipeFlags(r gan.Recipe) map[string]string {
	cfg, tc := r.Config.WithDefaults(), r.Train
	f := func(v float64) string { return strconv.FormatFloat(cli.Shown(v), 'g', -1, 64) }
	return map[string]string{
		"epochs": strconv.Itoa(r.Epochs), "batch": strconv.Itoa(tc.Batch),
		"lr": f(tc.LR), "lr-d": f(tc.LRD), "lr-g": f(tc.LRG), "beta1": f(tc.Beta1), "beta2": f(tc.Beta2),
		"d-pack": strconv.Itoa(cfg.DPack), "d-dropout": f(cfg.DDropout), "ema": f(cfg.EMA),
	}
}

// configs returns the model and training settings the flags ask for, for
// images of c channels and h×w pixels. A flag's 0 is a setting (no dropout, β1 = 0),
// which the library spells as a negative number.
func configs(o options, c, h, w int) (gan.Config, gan.TrainConfig) {
	return gan.Config{
			Arch: o.Model, GChannels: o.GChans, DChannels: o.DChans, Z: o.Z,
			DDropout: cli.Explicit(o.DDropout), DSlope: cli.Explicit(o.DSlope), DMinibatchStd: o.DMBStd, DPack: o.DPack, EMA: cli.Explicit(o.EMA),
			Classes: o.Classes, Cond: o.Cond, GCond: o.GCond, Discriminators: o.Discs, GMANLambda: o.GMAN, ImageChannels: c, Height: h, Width: w,
			Generators: o.Gens, MGANBeta: mganBeta(o),
			MaxMemory: o.MaxMemory.Bytes(),
		}, gan.TrainConfig{
			Batch: o.Batch, LR: o.LR, LRD: o.LRD, LRG: o.LRG, Beta1: cli.Explicit(o.Beta1), Beta2: cli.Explicit(o.Beta2), PreviewSeed: o.Seed,
		}
}

// mganBeta is the library's spelling of -mgan-beta: zero for one
// generator (nothing to weigh), a negative number for a given 0.
func mganBeta(o options) float64 {
	if o.Gens <= 1 {
		return 0
	}
	return cli.Explicit(o.MGANBeta)
}

// fixedSettings are the flags that define the model, with the values of
// the checkpoint's model.
func fixedSettings(o options, ckpt *checkpoints.Checkpoint) ([]cli.Fixed, error) {
	var saved gan.Config
	if err := json.Unmarshal(ckpt.Meta.Config, &saved); err != nil {
		return nil, fmt.Errorf("-resume %s: model config: %w", o.Resume, err)
	}
	saved = saved.WithDefaults()
	if !slices.Contains(gan.Presets, saved.Arch) {
		return nil, fmt.Errorf("-resume %s: the checkpoint's model has architecture %q, which is not one of %s", o.Resume, saved.Arch, strings.Join(gan.Presets, ", "))
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	classesNow := strconv.Itoa(o.Classes)
	if o.Classes == cli.AutoClasses {
		classesNow = strconv.Itoa(saved.Classes) // the data's count is the checkpoint's
	}
	fixed := []cli.Fixed{
		{Flag: "model", Saved: saved.Arch, Now: o.Model},
		{Flag: "z", Saved: strconv.Itoa(saved.Z), Now: strconv.Itoa(o.Z)},
		{Flag: "d-dropout", Saved: f(cli.Shown(saved.DDropout)), Now: f(o.DDropout)},
		{Flag: "d-slope", Saved: f(cli.Shown(saved.DSlope)), Now: f(o.DSlope)},
		{Flag: "d-minibatch-std", Saved: strconv.FormatBool(saved.DMinibatchStd), Now: strconv.FormatBool(o.DMBStd)},
		{Flag: "d-pack", Saved: strconv.Itoa(saved.DPack), Now: strconv.Itoa(o.DPack)},
		{Flag: "ema", Saved: f(cli.Shown(saved.EMA)), Now: f(o.EMA)},
		{Flag: "classes", Saved: strconv.Itoa(saved.Classes), Now: classesNow},
		{Flag: "discriminators", Saved: strconv.Itoa(saved.DiscCount()), Now: strconv.Itoa(o.Discs)},
		{Flag: "gman-lambda", Saved: f(saved.GMANLambda), Now: f(o.GMAN)},
		{Flag: "generators", Saved: strconv.Itoa(saved.GenCount()), Now: strconv.Itoa(o.Gens)},
	}
	if o.Cond != "" {
		fixed = append(fixed, cli.Fixed{Flag: "cond", Saved: saved.Cond, Now: o.Cond})
	}
	if o.GCond != "" {
		fixed = append(fixed, cli.Fixed{Flag: "g-cond", Saved: saved.GCond, Now: o.GCond})
	}
	if saved.GenCount() > 1 {
		fixed = append(fixed, cli.Fixed{Flag: "mgan-beta", Saved: f(cli.Shown(saved.MGANBeta)), Now: f(o.MGANBeta)})
	}
	if saved.Convolutional() {
		fixed = append(fixed,
			cli.Fixed{Flag: "g-channels", Saved: cli.IntsValue(saved.GChannels), Now: cli.IntsValue(o.GChans)},
			cli.Fixed{Flag: "d-channels", Saved: cli.IntsValue(saved.DChannels), Now: cli.IntsValue(o.DChans)})
	}
	return fixed, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parse(args, stdout)
	if err != nil {
		return err
	}
	ckpt, err := o.OpenResume(gan.Kind)
	if err != nil {
		return err
	}
	if ckpt != nil {
		// The settings that define the model and the data order are the
		// checkpoint's; a resumed run also keeps its architecture's
		// training defaults (SAGAN's learning rates, say) without the user
		// repeating -model.
		fixed, err := fixedSettings(o, ckpt)
		if err != nil {
			return err
		}
		inherit, err := o.Inherit(fixed, stdout)
		if err != nil {
			return err
		}
		if len(inherit) > 0 {
			if o, err = parse(append(inherit, args...), stdout); err != nil {
				return err
			}
			if ckpt, err = o.OpenResume(gan.Kind); err != nil {
				return err
			}
		}
	}
	set, err := o.TrainingSet(stderr)
	if err != nil {
		return err
	}
	if o.DryRun {
		if set, err = set.Subset(nil, 1280); err != nil {
			return err
		}
		if o.Steps == 0 {
			o.Steps = 20
		}
		o.LogEvery = 5
	}
	if o.Batch > set.N {
		return cli.Usagef("-batch %d is larger than the data set (%d images)", o.Batch, set.N)
	}
	folder, err := o.OpenRun("gan", stdout)
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

	var model *gan.Model
	if ckpt != nil {
		model, err = gan.FromCheckpointWithin(ckpt, o.MaxMemory.Bytes()) // the architecture flags give way to the checkpoint's
	} else if o.Classes, err = cli.Classes(o.Classes, set); err == nil {
		cfg, _ := configs(o, set.Channels(), set.H, set.W)
		model, err = gan.New(cfg, o.Seed)
	}
	if err != nil {
		return err
	}
	// The run records what the model was built with, defaults resolved
	// from the data included.
	o.Classes = model.Config.Classes
	// One generator records no mixture settings, as before they existed.
	o.Gens, o.MGANBeta = model.Config.Generators, cli.Shown(model.Config.MGANBeta)
	if model.Config.Convolutional() {
		o.GChans, o.DChans = model.Config.GChannels, model.Config.DChannels
	}
	if _, err := cli.Classes(model.Config.Classes, set); err != nil { // a resumed model's own classes
		return err
	}
	if c, h, w := model.Config.ImageShape(); c != set.Channels() || h != set.H || w != set.W {
		return fmt.Errorf("the model makes %dx%dx%d images (channels x height x width) but the data set %s holds %dx%dx%d", c, h, w, set.Source, set.Channels(), set.H, set.W)
	}
	_, tc := configs(o, set.Channels(), set.H, set.W)
	step, err := gan.NewStep(model, tc, o.Seed)
	if err != nil {
		return err
	}
	if ckpt != nil {
		if o.Start, err = trainer.Resume(ckpt, step); err != nil {
			return err
		}
	}
	loader, err := datasets.NewLoader(set, o.Batch, o.Seed, datasets.ScaleSigned)
	if err != nil {
		return err
	}
	if err := o.RecordChanges(o, stdout); err != nil {
		return err
	}
	if err := cli.WriteJSON(filepath.Join(out, "config.json"), map[string]any{
		"command": "train-gan", "flags": o, "model": model.Config, "data": set.Source, "versions": trainer.Versions(),
	}); err != nil {
		return err
	}
	shape := fmt.Sprintf("%dx%d", set.H, set.W)
	if set.Channels() > 1 {
		shape += fmt.Sprintf(", %d channels", set.Channels())
	}
	fmt.Fprintf(stdout, "data: %s (%d images %s)\n", set.Source, set.N, shape)
	fmt.Fprintf(stdout, "model: %s GAN, G %d parameters, D %d parameters\n", model.Config.Arch, model.Gen.Params().Count(), model.DiscParams().Count())
	fmt.Fprintf(stdout, "run folder: %s\n", out)

	loaded, err := o.Transfer(step, stdout)
	if err != nil {
		return err
	}
	if len(loaded) > 0 && model.GenEMA != nil && !slices.ContainsFunc(loaded, func(n string) bool { return strings.HasPrefix(n, "gen_ema.") }) {
		// The average starts where G starts: the loaded G, not the random
		// weights it replaced.
		for i, p := range model.GenEMA.Params() {
			copy(p.Float32s(), model.Gen.Params()[i].Float32s())
		}
	}
	m, err := o.WithSampleEval(step, loader, gan.NewGenerator(model).Generate)
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
	fmt.Fprintf(stdout, "samples: %s\ncheckpoint: %s\n", filepath.Join(out, "samples.png"), res.Checkpoint)
	return nil
}

// parseChannels reads a convolutional network's channel counts, one per
// stage; "" leaves them to the image size.
func parseChannels(name, s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	fields := strings.Split(s, ",")
	out := make([]int, len(fields))
	for i, f := range fields {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 || v > 4096 {
			return nil, cli.Usagef("-%s: %q is not a channel count from 1 to 4096", name, f)
		}
		out[i] = v
	}
	return out, nil
}
