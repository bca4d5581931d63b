// Command train-classifier trains the small CNN of package zoo/classifier
// that cmd/eval uses to measure generative models, reports its test
// accuracy, and writes its weights as a safetensors file. With no flags it
// reproduces eval/mnist-classifier.safetensors, the weights cmd/eval
// embeds; with -data it trains the same network for any labelled image
// folder, at the folder's size and channels.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/zoo/classifier"
)

const summary = `
train-classifier trains the classifier that cmd/eval measures samples with.

  go run ./cmd/train-classifier                  # the default network
  go run ./cmd/train-classifier -o runs/clf      # then copy runs/clf/mnist-classifier.safetensors to eval/ to replace the embedded weights
  go run ./cmd/train-classifier -data data/colour-mnist -o runs/clf-colour
                                                 # any labelled image folder: then eval -classifier runs/clf-colour/classifier.safetensors -data data/colour-mnist

The network is conv 5x5 (16) → ReLU → max-pool 2 → conv 5x5 (32) → ReLU →
max-pool 2 → 128 (the features) → ReLU → dropout → 10, trained with softmax
cross-entropy and Adam (the last epoch at a tenth of the rate) on the
60,000 training images; the test accuracy on
the 10,000 test images is measured at every epoch end. The run folder gets
config.json, metrics.jsonl, loss.png, checkpoints/ and the weights alone
(no optimiser state) as mnist-classifier.safetensors.

With -data DIR, an image folder whose subfolders are the classes, the
first conv reads the folder's channels, the rest of the network is sized
for its images (-size, -channels) and the last layer has one output per
class; it tests on DIR/test, or on the -val fraction held out. The class
names go to config.json and to the weights' metadata, which are written
as classifier.safetensors.`

// defaultEpochs is the training budget that reproduces the committed
// weights.
const defaultEpochs = 5

// options are the command's flags.
type options struct {
	cli.RunFlags
	LR      float64 `json:"lr"`
	Hidden  int     `json:"hidden"`
	Dropout float64 `json:"dropout"`
	Decay   int     `json:"decay_epochs"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Exit(os.Stderr, "train-classifier", run(ctx, os.Args[1:], os.Stdout, os.Stderr)))
}

func parse(args []string, stdout io.Writer) (options, error) {
	o := options{}
	fs := flag.NewFlagSet("train-classifier", flag.ContinueOnError)
	o.Register(fs, cli.RunDefaults{Epochs: defaultEpochs, Batch: 64, Prefix: "classifier", DryRun: "train 20 steps on 1280 images, test on 500, write every output (a smoke test)"})
	fs.Float64Var(&o.LR, "lr", 1e-3, "Adam learning rate")
	fs.IntVar(&o.Hidden, "hidden", 128, "size of the penultimate layer (the features cmd/eval uses)")
	fs.Float64Var(&o.Dropout, "dropout", 0.25, "dropout probability before the last layer while training")
	fs.IntVar(&o.Decay, "decay-epochs", 1, "train the last N epochs at a tenth of -lr (0: constant rate)")
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cli.PrintUsage(stdout, fs, summary)
		}
		return o, err
	}
	var c cli.Checks
	o.RunFlags.Check(&c)
	c.Range("lr", o.LR, 0, 1)
	c.Positive("hidden", int64(o.Hidden))
	c.Fraction("dropout", o.Dropout)
	c.NonNegative("decay-epochs", int64(o.Decay))
	if err := c.Err(); err != nil {
		return o, err
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parse(args, stdout)
	if err != nil {
		return err
	}
	set, err := o.TrainingSet(stderr)
	if err != nil {
		return err
	}
	test, err := o.TestSet(stderr)
	if err != nil {
		return err
	}
	if o.DryRun {
		if set, err = set.Subset(nil, 1280); err != nil {
			return err
		}
		if test, err = test.Subset(nil, 500); err != nil {
			return err
		}
		o.Steps, o.LogEvery = 20, 5
	}
	if o.Batch > set.N {
		return cli.Usagef("-batch %d is larger than the data set (%d images)", o.Batch, set.N)
	}
	if set.Labels == nil || test.Labels == nil {
		return fmt.Errorf("the classifier needs labels: %s or %s has none (an image folder gives them by its class subfolders)", set.Source, test.Source)
	}
	folder, err := o.OpenRun("classifier", stdout)
	if err != nil {
		return err
	}
	defer func() { folder.Close(err != nil) }()
	out := folder.Dir
	weights := filepath.Join(out, "mnist-classifier.safetensors")
	if set.Classes != nil {
		weights = filepath.Join(out, "classifier.safetensors")
	}

	// MNIST's sets name no classes: its labels are the ten digits, which
	// the zero Classes gives (and keeps out of the default's metadata).
	model, err := classifier.New(classifier.Config{ImageChannels: set.Channels(), Height: set.H, Width: set.W, Classes: len(set.Classes),
		Hidden: o.Hidden, Dropout: o.Dropout, MaxMemory: o.MaxMemory.Bytes()}, o.Seed)
	if err != nil {
		return err
	}
	loader, err := datasets.NewLoader(set, o.Batch, o.Seed, datasets.ScaleUnit)
	if err != nil {
		return err
	}
	var decayStep int64
	if o.Decay > 0 && o.Decay < o.Epochs {
		decayStep = int64(o.Epochs-o.Decay) * int64(loader.BatchesPerEpoch())
	}
	step, err := classifier.NewStep(model, classifier.TrainConfig{Batch: o.Batch, LR: o.LR, DecayStep: decayStep}, o.Seed)
	if err != nil {
		return err
	}
	if err := cli.WriteJSON(filepath.Join(out, "config.json"), map[string]any{
		"command": "train-classifier", "flags": o, "model": model.Config, "data": set.Source, "test_data": test.Source,
		"versions": trainer.Versions(),
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "data: %s (%d images %dx%dx%d); test: %d images\n", set.Source, set.N, set.Channels(), set.H, set.W, test.N)
	if set.Classes != nil {
		fmt.Fprintf(stdout, "classes: %s\n", strings.Join(set.Classes, ", "))
	}
	fmt.Fprintf(stdout, "model: %s classifier, channels %v, features %d, %d parameters\n",
		model.Config.Arch, model.Config.Channels, model.Config.Hidden, model.Params().Count())
	fmt.Fprintf(stdout, "run folder: %s\n", out)

	res, err := cli.Train(ctx, &classifier.EvalStep{Train: step, Test: test}, loader, o.RunFlags, stdout, stderr)
	if err != nil {
		return err
	}
	r, err := classifier.NewInference(model).Test(test)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "test accuracy %.2f%% (%d of %d images), test loss %.4f nats/image\n",
		100*r.Accuracy, int(r.Accuracy*float64(r.N)+0.5), r.N, r.Loss)
	extra := map[string]string{
		"test_accuracy": strconv.FormatFloat(r.Accuracy, 'f', 4, 64),
		"test_loss":     strconv.FormatFloat(r.Loss, 'f', 5, 64),
		"test_images":   strconv.Itoa(r.N),
	}
	meta := checkpoints.Meta{Step: res.Steps, Epoch: int(res.Epochs), Seed: o.Seed, Versions: trainer.Versions(), Extra: extra}
	if set.Classes != nil {
		if err := meta.SetClassNames(set.Classes); err != nil {
			return err
		}
		extra["data"] = set.Source
	}
	w, err := classifier.Weights(model, meta)
	if err != nil {
		return err
	}
	if err := checkpoints.Save(weights, w); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "weights: %s\ncheckpoint: %s\n", weights, res.Checkpoint)
	return nil
}
