// Command train-diffusion trains a denoising diffusion model on MNIST (or
// any data set the other training commands read) and writes a run folder
// with sample grids, a strip of one sample going from noise to image,
// metrics and checkpoints. With no flags it trains diffusion.Preset() on
// the MNIST files that ship inside the GoMNIST module: nothing to download.
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
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
)

const summary = `
train-diffusion trains a denoising diffusion model (DDPM) on MNIST.

  go run ./cmd/train-diffusion                      # the recipe of diffusion.Preset()
  go run ./cmd/train-diffusion -classes 10 -o runs/cdiffusion   # class-conditional, for guidance
  go run ./cmd/train-diffusion -schedule cosine -epochs 2
  go run ./cmd/train-diffusion -resume runs/diffusion-20260101-120000 -epochs 10

The network (a U-Net) predicts the noise added to an image at a step t
drawn uniformly from 1 … -timesteps; the loss is the mean squared error of
that prediction. A moving average of the weights (-ema) draws the samples.
With -classes the model is conditional and learns the unconditional
prediction too, from labels dropped with probability -cond-drop, for
classifier-free guidance (cmd/sample -class N -guidance w).

The data is MNIST from the GoMNIST module unless -data (or GORGOZOO_DATA)
names another set. The run folder gets config.json, metrics.jsonl,
loss.png, samples.png (a grid drawn with a 20-step deterministic DDIM
from fixed noise; one column per class for a conditional model),
denoising.png (the first sample at every step, from noise to image),
samples/ (both, per epoch) and checkpoints/ (the last few). The sample
measurement (-eval-every, and the closing one) draws with -sampler,
-sample-steps, -eta (default 1) and -guidance. Ctrl-C saves a
checkpoint and exits.
Sample from a run with: go run ./cmd/sample -ckpt RUN_FOLDER -n 64 -steps 50 -o grid.png`

// dryRunSteps is the length of a dry run.
const dryRunSteps = 20

// options are the command's flags.
type options struct {
	cli.RunFlags
	LR        float64 `json:"lr"`
	Schedule  string  `json:"schedule"`
	Timesteps int     `json:"timesteps"`
	Channels  []int   `json:"unet_channels"`
	Blocks    int     `json:"blocks"`
	EMA       float64 `json:"ema"`
	Classes   int     `json:"classes,omitempty"`
	CondDrop  float64 `json:"cond_drop"`
	Sampling  cli.SamplingFlags
}

// closingSamples is the default -eval-n: every sample takes one pass of
// the U-Net per sampling step, so the 10,000 of the other commands would
// take longer than the training; FID over 2,000 samples is biased upwards
// (real images score 5.5 against 3.1 with 10,000), which cmd/eval -n
// 10000 removes.
const closingSamples = 2000

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Exit(os.Stderr, "train-diffusion", run(ctx, os.Args[1:], os.Stdout, os.Stderr)))
}

func parse(args []string, stdout io.Writer) (options, error) {
	o := options{}
	def := diffusion.Preset()
	cfg, tc := def.Config.WithDefaults(), def.Train.WithDefaults()
	var channels string
	fs := flag.NewFlagSet("train-diffusion", flag.ContinueOnError)
	o.RunFlags.Register(fs, cli.RunDefaults{Epochs: def.Epochs, Batch: tc.Batch, Prefix: "diffusion", DryRun: "train 20 steps on a slice and write every output (a smoke test)", Generative: true, Freeze: "unet.conv_in,unet.down.0", EvalN: closingSamples})
	fs.Float64Var(&o.LR, "lr", tc.LR, "Adam learning rate")
	fs.StringVar(&o.Schedule, "schedule", cfg.Schedule, "noise schedule: "+strings.Join(diffusion.Schedules, " or "))
	fs.IntVar(&o.Timesteps, "timesteps", cfg.T, "diffusion steps T")
	fs.StringVar(&channels, "unet-channels", cli.IntsValue(cfg.UNet.Channels), "the U-Net's feature maps at each resolution, comma-separated")
	fs.IntVar(&o.Blocks, "blocks", cfg.UNet.Blocks, "residual blocks of the U-Net at each resolution")
	fs.Float64Var(&o.EMA, "ema", cli.Shown(cfg.EMA), "decay of the moving average of the weights that draws the samples (0: none)")
	cli.RegisterClasses(fs, &o.Classes, "condition the model on the label, one of this many classes (10 for MNIST digits; 0: unconditional; needs labelled data)")
	fs.Float64Var(&o.CondDrop, "cond-drop", cli.Shown(cfg.CondDrop), "with -classes, the probability of training on the null label, which classifier-free guidance needs")
	o.Sampling.Register(fs, "sample-steps")
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cli.PrintUsage(stdout, fs, summary)
		}
		return o, err
	}
	var c cli.Checks
	o.RunFlags.Check(&c)
	o.Settle(fs)
	o.Sampling.Check(fs, &c)
	c.Range("lr", o.LR, 0, 1)
	c.Positive("timesteps", int64(o.Timesteps))
	c.Positive("blocks", int64(o.Blocks))
	c.Fraction("ema", o.EMA)
	c.Fraction("cond-drop", o.CondDrop)
	if err := c.Err(); err != nil {
		return o, err
	}
	if !slices.Contains(diffusion.Schedules, o.Schedule) {
		return o, cli.Usagef("-schedule must be one of %s (got %q)", strings.Join(diffusion.Schedules, ", "), o.Schedule)
	}
	var err error
	if o.Channels, err = cli.ParseInts("unet-channels", channels, 1, 4096); err != nil {
		return o, err
	}
	return o, nil
}

// configs returns the model and training settings the flags ask for, for
// images of c channels and h×w pixels. A flag's 0 is a setting (no
// average, no label drops), which the library spells as a negative number.
func configs(o options, c, h, w int) (diffusion.Config, diffusion.TrainConfig) {
	// The U-Net's other settings (embedding size, groups, attention)
	// follow its widths.
	unet := diffusion.UNetConfig{ImageChannels: c, Height: h, Width: w, Channels: o.Channels, Blocks: o.Blocks, Classes: o.Classes}
	return diffusion.Config{
			Schedule: o.Schedule, T: o.Timesteps, UNet: unet, EMA: cli.Explicit(o.EMA), CondDrop: cli.Explicit(o.CondDrop),
			MaxMemory: o.MaxMemory.Bytes(),
		}, diffusion.TrainConfig{
			Batch: o.Batch, LR: o.LR, PreviewSeed: o.Seed,
		}
}

// fixedSettings are the flags that define the model, with the values of
// the checkpoint's model.
func fixedSettings(o options, ckpt *checkpoints.Checkpoint) ([]cli.Fixed, error) {
	var saved diffusion.Config
	if err := json.Unmarshal(ckpt.Meta.Config, &saved); err != nil {
		return nil, fmt.Errorf("-resume %s: model config: %w", o.Resume, err)
	}
	saved = saved.WithDefaults()
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	classesNow := strconv.Itoa(o.Classes)
	if o.Classes == cli.AutoClasses {
		classesNow = strconv.Itoa(saved.UNet.Classes) // the data's count is the checkpoint's
	}
	return []cli.Fixed{
		{Flag: "schedule", Saved: saved.Schedule, Now: o.Schedule},
		{Flag: "timesteps", Saved: strconv.Itoa(saved.T), Now: strconv.Itoa(o.Timesteps)},
		{Flag: "unet-channels", Saved: cli.IntsValue(saved.UNet.Channels), Now: cli.IntsValue(o.Channels)},
		{Flag: "blocks", Saved: strconv.Itoa(saved.UNet.Blocks), Now: strconv.Itoa(o.Blocks)},
		{Flag: "ema", Saved: f(cli.Shown(saved.EMA)), Now: f(o.EMA)},
		{Flag: "classes", Saved: strconv.Itoa(saved.UNet.Classes), Now: classesNow},
		{Flag: "cond-drop", Saved: f(cli.Shown(saved.CondDrop)), Now: f(o.CondDrop)},
	}, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parse(args, stdout)
	if err != nil {
		return err
	}
	ckpt, err := o.OpenResume(diffusion.Kind)
	if err != nil {
		return err
	}
	if ckpt != nil {
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
			if ckpt, err = o.OpenResume(diffusion.Kind); err != nil {
				return err
			}
		}
	}
	set, err := o.TrainingSet(stderr)
	if err != nil {
		return err
	}
	if o.DryRun {
		if set, err = set.Subset(nil, min(dryRunSteps*o.Batch, set.N)); err != nil {
			return err
		}
		if o.Steps == 0 {
			o.Steps = dryRunSteps
		}
		o.LogEvery = 5
	}
	if o.Batch > set.N {
		return cli.Usagef("-batch %d is larger than the data set (%d images)", o.Batch, set.N)
	}
	folder, err := o.OpenRun("diffusion", stdout)
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

	var model *diffusion.Model
	if ckpt != nil {
		model, err = diffusion.FromCheckpointWithin(ckpt, o.MaxMemory.Bytes()) // the architecture flags give way to the checkpoint's
	} else if o.Classes, err = cli.Classes(o.Classes, set); err == nil {
		cfg, _ := configs(o, set.Channels(), set.H, set.W)
		model, err = diffusion.New(cfg, o.Seed)
	}
	if err != nil {
		return err
	}
	// The run records what the model was built with, the classes resolved
	// from the data included.
	o.Classes = model.Config.Classes()
	if _, err := cli.Classes(model.Config.Classes(), set); err != nil { // a resumed model's own classes
		return err
	}
	if c, h, w := model.Config.ImageShape(); c != set.Channels() || h != set.H || w != set.W {
		return fmt.Errorf("the model makes %dx%dx%d images (channels x height x width) but the data set %s holds %dx%dx%d", c, h, w, set.Source, set.Channels(), set.H, set.W)
	}
	sc := o.Sampling.Config()
	if err := sc.WithDefaults(model.Config.T).Validate(model.Config.T); err != nil {
		return cli.Usagef("%v", err)
	}
	_, tc := configs(o, set.Channels(), set.H, set.W)
	step, err := diffusion.NewStep(model, tc, o.Seed)
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
		"command": "train-diffusion", "flags": o, "model": model.Config, "data": set.Source, "versions": trainer.Versions(),
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "data: %s (%d images %dx%d)\n", set.Source, set.N, set.H, set.W)
	fmt.Fprintln(stdout, describe(model))
	fmt.Fprintf(stdout, "run folder: %s\n", out)

	loaded, err := o.Transfer(step, stdout)
	if err != nil {
		return err
	}
	if len(loaded) > 0 && model.NetEMA != nil && !slices.ContainsFunc(loaded, func(n string) bool { return strings.HasPrefix(n, "unet_ema.") }) {
		// The average starts where the network starts: the loaded weights,
		// not the random ones they replaced.
		for i, p := range model.NetEMA.Params() {
			copy(p.Float32s(), model.Net.Params()[i].Float32s())
		}
	}
	sampler := diffusion.NewSampler(model)
	m, err := o.WithSampleEval(step, loader, func(n int, seed uint64) ([]float32, error) {
		return sampler.Sample(ctx, n, seed, -1, sc)
	})
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
	fmt.Fprintf(stdout, "samples: %s\ndenoising: %s\ncheckpoint: %s\n", filepath.Join(out, "samples.png"), filepath.Join(out, "denoising.png"), res.Checkpoint)
	return nil
}

// describe is the model line of the command's output.
func describe(m *diffusion.Model) string {
	cfg := m.Config
	s := fmt.Sprintf("model: diffusion, %s schedule, T=%d, U-Net channels=%v blocks=%d", cfg.Schedule, cfg.T, cfg.UNet.Channels, cfg.UNet.Blocks)
	if cfg.Classes() > 0 {
		s += fmt.Sprintf(", conditional on %d classes (labels dropped with p=%g)", cfg.Classes(), cli.Shown(cfg.CondDrop))
	}
	if cfg.EMA > 0 {
		s += fmt.Sprintf(", EMA %g", cfg.EMA)
	}
	return s + fmt.Sprintf(", %d parameters", m.Net.Params().Count())
}
