// Command eval measures a generative model, or a file or folder of its
// samples, against held-out real images: FID, Inception score, precision
// and recall in the feature space of a reference classifier, the classes
// the samples cover, and for a VAE its test ELBO and IWAE bound. By
// default the data are MNIST and the classifier the project's embedded
// one; -data and -classifier measure any labelled image folder with a
// classifier cmd/train-classifier trained on it, and an unlabelled
// folder is measured with random features (FID and precision/recall). It
// also measures real training images (-real train: what a perfect model
// would score) and uniform noise (-noise: what a useless one would), or
// both beside a model's row (-baselines).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/eval"
	"github.com/gorgozoo/gorgozoo/internal/atomicfile"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/zoo"
	"github.com/gorgozoo/gorgozoo/zoo/classifier"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

const summary = `
eval measures samples of a generative model against held-out real images
(by default the MNIST test set).

  go run ./cmd/eval -ckpt runs/gan-20260101-120000        # draws -n samples from the latest checkpoint
  go run ./cmd/eval -samples samples.idx                   # an IDX3 ubyte file, as cmd/sample writes
  go run ./cmd/eval -samples pngs/                         # a folder of PNG files, as cmd/sample -o DIR/ writes
  go run ./cmd/eval -real train                            # real training images: the best attainable row
  go run ./cmd/eval -noise                                 # uniform noise: the worst row
  go run ./cmd/eval -ckpt runs/gan-20260101-120000 -baselines  # the model between a real row and a noise row
  go run ./cmd/eval -ckpt runs/vae-20260101-120000 -json   # one JSON object instead of the table
  go run ./cmd/eval -ckpt runs/gan-cond -class all         # a conditional model: one row per class it is asked for
  go run ./cmd/eval -ckpt runs/gan-colour -data data/colour-mnist -classifier runs/clf-colour/classifier.safetensors
                                                           # any labelled image folder, with a classifier train-classifier -data trained on it
  go run ./cmd/eval -ckpt runs/gan-faces -data data/faces  # a folder without classes: random features (or -features random)

Every number comes from the reference classifier embedded in the program
(eval/mnist-classifier.safetensors, from cmd/train-classifier) applied to
the samples and to the test images:
  FID              Fréchet distance between Gaussians fitted to the two sets' features
                   (its 128-value penultimate layer); lower is better (real training images: about 3)
  Inception score  exp E[KL(p(y|x) ‖ p(y))] from its softmax, mean ± spread over 10 splits;
                   from 1 to 10, higher is better
  precision        share of samples inside the test images' k-NN manifold (quality)
  recall           share of test images inside the samples' k-NN manifold (variety)
  digits covered   digits predicted for at least 10% of their fair share of the samples
  KL from uniform  of the predicted-digit histogram, in nats: 0 balanced, 2.30 a single digit
For a VAE checkpoint it adds the test loss (negative ELBO) and the IWAE
bound on the test NLL with -iwae-k samples. -class all (or -class k) adds,
for a conditional model, one row per class from -class-n samples drawn as
that class: the share the classifier assigns to the class asked for
(agreement), and FID, precision and coverage (recall) against the test
images of that class; then the mean and the worst class. A diffusion checkpoint draws
with DDIM in 50 steps and η = 1 unless -sampler, -steps, -eta or
-guidance say otherwise.

With -features random (the default for an image folder without class
folders) the network is an untrained CNN with fixed-seed weights, whose
classes mean nothing: FID and precision/recall only, on their own scale.
The output names the classifier file (with its SHA-256) and the data.`

type options struct {
	Ckpt    string
	Samples string
	Real    string
	Noise   bool
	N       int
	Seed    uint64
	Data    string
	cli.DataFlags
	Classifier string
	Features   string
	Baselines  bool
	K          int
	Splits     int
	RefN       int
	cli.IWAEFlags
	JSON      bool
	Out       string
	MaxMemory cli.Memory
	Sampling  cli.SamplingFlags // a diffusion checkpoint's sampler
	Class     string
	ClassN    int
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Exit(os.Stderr, "eval", run(ctx, os.Args[1:], os.Stdout, os.Stderr)))
}

func parse(args []string, stdout io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.StringVar(&o.Ckpt, "ckpt", "", "GAN, VAE or diffusion checkpoint file, or a run folder (its latest checkpoint); samples are drawn from it")
	fs.StringVar(&o.Samples, "samples", "", "IDX3 ubyte file of N×28×28 images, or a folder of 28×28 PNG files")
	fs.StringVar(&o.Real, "real", "", "\"train\": measure real MNIST training images (a random -n of them)")
	fs.BoolVar(&o.Noise, "noise", false, "measure -n images of uniform noise")
	fs.IntVar(&o.N, "n", 10000, "samples to measure (with -samples: at most this many, in file order)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the samples drawn (-ckpt, -real, -noise): same seed, same numbers")
	fs.StringVar(&o.Data, "data", "", cli.DataHelp)
	o.DataFlags.Register(fs)
	fs.StringVar(&o.Classifier, "classifier", "", "classifier weights to measure with, as cmd/train-classifier writes them (default: the embedded "+eval.ClassifierName+" for MNIST-layout data)")
	fs.StringVar(&o.Features, "features", "", "\"random\": measure with an untrained fixed-seed CNN instead of a classifier (FID and precision/recall only) (default: random for an image folder without class folders, else the classifier)")
	fs.BoolVar(&o.Baselines, "baselines", false, "with -ckpt or -samples: also measure -n real training images and -n images of uniform noise, and print the three rows together")
	fs.IntVar(&o.K, "k", eval.DefaultK, "neighbourhood size of precision and recall")
	fs.IntVar(&o.Splits, "splits", eval.DefaultSplits, "splits of the Inception score")
	fs.IntVar(&o.RefN, "ref-n", 0, "test images in the reference set (0: all)")
	o.IWAEFlags.Register(fs, "(VAE only; as train-vae measures it at the end of training)")
	fs.StringVar(&o.Class, "class", "", "with -ckpt of a conditional model: \"all\" measures each class the model draws, k measures class k alone: the classifier's agreement with the class asked for, and FID, precision and coverage against that class's test images")
	fs.IntVar(&o.ClassN, "class-n", defaultClassN, "samples per class of -class")
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object instead of the table")
	fs.StringVar(&o.Out, "o", "", "also write the JSON object to this file")
	cli.RegisterMemory(fs, &o.MaxMemory)
	o.Sampling.Register(fs, "steps")
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cli.PrintUsage(stdout, fs, summary)
		}
		return o, err
	}
	var c cli.Checks
	c.Count("n", int64(o.N), cli.MaxImages)
	c.Count("k", int64(o.K), eval.DefaultPRPoints-1)
	c.Positive("splits", int64(o.Splits))
	c.NonNegative("ref-n", int64(o.RefN))
	o.IWAEFlags.Check(&c)
	o.Sampling.Check(fs, &c)
	c.Count("class-n", int64(o.ClassN), cli.MaxImages)
	if err := c.Err(); err != nil {
		return o, err
	}
	if o.Class != "" {
		if o.Ckpt == "" {
			return o, cli.Usagef("-class measures a conditional model's classes: give -ckpt")
		}
		if _, err := parseClass(o.Class); err != nil {
			return o, cli.Usagef("%v", err)
		}
		if o.ClassN <= o.K || o.ClassN < o.Splits {
			return o, cli.Usagef("-class-n %d must exceed -k %d and be at least -splits %d", o.ClassN, o.K, o.Splits)
		}
	}
	if given := o.Sampling.Given(); len(given) > 0 && o.Ckpt == "" {
		return o, cli.Usagef("-%s sets how a diffusion checkpoint draws; it needs -ckpt", given[0])
	}
	sources := 0
	for _, set := range []bool{o.Ckpt != "", o.Samples != "", o.Real != "", o.Noise} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		return o, cli.Usagef("give exactly one of -ckpt, -samples, -real train or -noise (got %d)", sources)
	}
	if o.Features != "" && o.Features != "random" {
		return o, cli.Usagef("-features %q: only \"random\" is known (a classifier is the default)", o.Features)
	}
	if o.Features == "random" && o.Classifier != "" {
		return o, cli.Usagef("-features random measures without a classifier: drop -classifier %s", o.Classifier)
	}
	if o.Baselines && o.Ckpt == "" && o.Samples == "" {
		return o, cli.Usagef("-baselines adds real and noise rows to a model's: give -ckpt or -samples")
	}
	if o.Real != "" && o.Real != "train" {
		return o, cli.Usagef("-real %q: only \"train\" is known (the test set is the reference)", o.Real)
	}
	if o.RefN > 0 && o.RefN <= o.K {
		return o, cli.Usagef("-ref-n %d must exceed -k %d", o.RefN, o.K)
	}
	if o.N <= o.K {
		return o, cli.Usagef("-n %d must exceed -k %d", o.N, o.K)
	}
	if o.N < o.Splits {
		return o, cli.Usagef("-n %d must be at least -splits %d", o.N, o.Splits)
	}
	return o, nil
}

// result is the JSON object the command prints.
type result struct {
	Source     string `json:"source"` // checkpoint, samples, real-train or noise
	Path       string `json:"path,omitempty"`
	Kind       string `json:"kind,omitempty"` // of a checkpoint
	Step       int64  `json:"step,omitempty"` // of a checkpoint
	Seed       uint64 `json:"seed"`
	Available  int    `json:"available,omitempty"` // images in a -samples source
	Reference  string `json:"reference"`
	ReferenceN int    `json:"reference_n"`
	Data       string `json:"data,omitempty"` // the -data folder
	Classifier string `json:"classifier"`
	// ClassifierSHA256 identifies the classifier's file; empty for
	// random features, which have no file.
	ClassifierSHA256 string   `json:"classifier_sha256,omitempty"`
	ClfAcc           float64  `json:"classifier_test_accuracy,omitempty"`
	ClassNames       []string `json:"class_names,omitempty"` // the classifier's classes, when it names them
	*eval.Report
	VAE *vaeResult `json:"vae,omitempty"`
	// Sampling is a diffusion checkpoint's sampler, its defaults filled in.
	Sampling *diffusion.SampleConfig `json:"sampling,omitempty"`
	// PerClass is the -class sweep of a conditional model.
	PerClass *classSweep `json:"per_class,omitempty"`
	// Baselines are the real-train and noise rows of -baselines.
	Baselines []baseline `json:"baselines,omitempty"`
	Seconds   float64    `json:"seconds"`
}

// baseline is a row -baselines adds.
type baseline struct {
	Source string `json:"source"` // real-train or noise
	*eval.Report
}

// iwaeBound is the IWAE bound on the test NLL with K importance samples.
type iwaeBound struct {
	K   int     `json:"k"`
	NLL float64 `json:"nll"`
}

type vaeResult struct {
	TestLoss float64     `json:"test_loss"` // negative ELBO, nats per image
	TestBCE  float64     `json:"test_bce"`
	TestKL   float64     `json:"test_kl"`
	TestN    int         `json:"test_n"`
	IWAE     []iwaeBound `json:"iwae,omitempty"` // one per -iwae-k
	IWAEN    int         `json:"iwae_n,omitempty"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	start := time.Now()
	o, err := parse(args, stdout)
	if err != nil {
		return err
	}
	test, err := o.DataFlags.Test(o.Data, o.Seed, stderr)
	if err != nil {
		return err
	}
	net, err := chooseNetwork(o, test)
	if err != nil {
		return err
	}
	cfg := net.clf.Config()
	if err := sameShape(net, "the test set "+test.Source, test.Channels(), test.H, test.W); err != nil {
		return err
	}
	res := &result{Seed: o.Seed, Data: o.Data, Classifier: net.name, ClassifierSHA256: net.sha256, ClassNames: net.classNames}
	if acc, ok := eval.TestAccuracy(net.meta); ok {
		res.ClfAcc = acc
	}

	var images []float32
	var tester *vae.Tester
	var model zoo.Model
	switch {
	case o.Ckpt != "":
		res.Source = "checkpoint"
		model, images, tester, err = fromCheckpoint(ctx, o, res, test, net)
	case o.Samples != "":
		res.Source, res.Path = "samples", o.Samples
		var n int
		c, h, w := cfg.ImageShape()
		images, n, res.Available, err = readSamples(o.Samples, o.N, c, h, w)
		if err == nil && n <= o.K {
			err = fmt.Errorf("-samples %s: %d images are too few (need more than -k %d)", o.Samples, n, o.K)
		}
		if err == nil && n < o.Splits {
			err = fmt.Errorf("-samples %s: %d images are too few for -splits %d", o.Samples, n, o.Splits)
		}
	case o.Real != "":
		res.Source = "real-train"
		images, err = realTrain(o, net)
	default:
		res.Source = "noise"
		images = noise(o, cfg)
	}
	if err != nil {
		return err
	}

	ref := test
	if o.RefN > 0 && o.RefN < test.N {
		if ref, err = test.Subset(nil, o.RefN); err != nil {
			return err
		}
	}
	ev, err := eval.NewEvaluator(net.clf, eval.Pixels(ref), ref.Source, eval.Options{K: o.K, Splits: o.Splits, FeaturesOnly: net.random})
	if err != nil {
		return err
	}
	res.Reference, res.ReferenceN = "MNIST test set", ref.N
	if o.Data != "" {
		res.Reference = test.Source
	}
	if res.Report, err = ev.Evaluate(ctx, images); err != nil {
		return err
	}
	if o.Baselines {
		if res.Baselines, err = baselines(ctx, o, ev, net); err != nil {
			return err
		}
	}
	if tester != nil {
		if res.VAE, err = measureVAE(ctx, tester, o); err != nil {
			return err
		}
	}
	if o.Class != "" {
		class, _ := parseClass(o.Class)
		if res.PerClass, err = sweepClasses(ctx, model, class, o.ClassN, o.Seed, test, net, ev.Options(), res.ClassNames); err != nil {
			return err
		}
	}
	res.Seconds = time.Since(start).Seconds()

	js, err := json.Marshal(res)
	if err != nil {
		return err
	}
	if o.Out != "" {
		if err := atomicfile.WriteBytes(o.Out, append(js, '\n')); err != nil {
			return fmt.Errorf("-o: %w", err)
		}
	}
	if o.JSON {
		_, err = fmt.Fprintf(stdout, "%s\n", js)
		return err
	}
	return printTable(stdout, res)
}

// network is what measures the images: a classifier, or random features.
type network struct {
	clf        *classifier.Inference
	meta       checkpoints.Meta // a classifier's
	name       string           // for reports
	sha256     string           // of a classifier's file
	classNames []string         // a classifier's, when it records them
	random     bool             // random features: no meaningful classes
}

// chooseNetwork returns the network that measures images like test's:
// random features with -features random or for an image folder without
// classes, else the -classifier file, else for MNIST-layout data the
// embedded classifier. A labelled image folder needs a classifier
// trained on it, or random features asked for.
func chooseNetwork(o options, test *datasets.Set) (*network, error) {
	switch {
	case o.Features == "random" || (o.Classifier == "" && cli.IsImageFolder(o.Data) && test.Labels == nil):
		c, h, w := test.Channels(), test.H, test.W
		clf, err := eval.RandomFeatures(c, h, w)
		if err != nil {
			return nil, err
		}
		return &network{clf: clf, name: eval.RandomFeaturesName(c, h, w), random: true}, nil
	case o.Classifier != "":
		return loadClassifier(o.Classifier, test, o.MaxMemory.Bytes())
	case cli.IsImageFolder(o.Data):
		return nil, cli.Usagef("-data %s has classes: measure with a classifier trained on them (train-classifier -data %s, then -classifier FILE), or with -features random", o.Data, o.Data)
	}
	clf, meta, err := eval.DefaultClassifier()
	if err != nil {
		return nil, err
	}
	return &network{clf: clf, meta: meta, name: eval.ClassifierName, sha256: eval.ClassifierSHA256()}, nil
}

// loadClassifier loads the -classifier file (or a run folder's latest
// checkpoint), whose class names, if it records them, must be test's.
func loadClassifier(path string, test *datasets.Set, maxMemory int64) (*network, error) {
	c, path, err := checkpoints.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-classifier: %w", err)
	}
	m, err := classifier.FromCheckpointWithin(c, maxMemory)
	if err != nil {
		return nil, fmt.Errorf("-classifier: %w", err)
	}
	names, err := c.Meta.ClassNames(m.Config.Classes)
	if err != nil {
		return nil, fmt.Errorf("-classifier %s: %w", path, err)
	}
	if names != nil && test.Classes != nil && !slices.Equal(names, test.Classes) {
		return nil, fmt.Errorf("-classifier %s was trained on the classes %s; the data %s has %s", path,
			strings.Join(names, ", "), test.Source, strings.Join(test.Classes, ", "))
	}
	sum, err := eval.FileSHA256(path)
	if err != nil {
		return nil, fmt.Errorf("-classifier: %w", err)
	}
	return &network{clf: classifier.NewInference(m), meta: c.Meta, name: path, sha256: sum, classNames: names}, nil
}

// sameShape reports images of c×h×w pixels (described by what) that the
// network cannot take.
func sameShape(net *network, what string, c, h, w int) error {
	nc, nh, nw := net.clf.Config().ImageShape()
	if c != nc || h != nh || w != nw {
		return fmt.Errorf("%s has %dx%dx%d images (channels x height x width), the network %s takes %dx%dx%d", what, c, h, w, net.name, nc, nh, nw)
	}
	return nil
}

// noise returns o.N images of uniform noise drawn with o.Seed.
func noise(o options, cfg classifier.Config) []float32 {
	images := make([]float32, o.N*cfg.Pixels())
	rng := rand.New(rand.NewPCG(o.Seed, 0x8a2b6c1d))
	for i := range images {
		images[i] = rng.Float32()
	}
	return images
}

// baselines measures -n real training images and -n images of uniform
// noise with ev: the rows a model's row falls between.
func baselines(ctx context.Context, o options, ev *eval.Evaluator, net *network) ([]baseline, error) {
	real, err := realTrain(o, net)
	if err != nil {
		return nil, err
	}
	rows := []baseline{{Source: "real-train"}, {Source: "noise"}}
	for i, images := range [][]float32{real, noise(o, net.clf.Config())} {
		if rows[i].Report, err = ev.Evaluate(ctx, images); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// fromCheckpoint loads a GAN, VAE or diffusion checkpoint and draws o.N
// samples from it; for a VAE it also returns a tester of the test set.
func fromCheckpoint(ctx context.Context, o options, res *result, test *datasets.Set, net *network) (zoo.Model, []float32, *vae.Tester, error) {
	path, err := cli.CheckpointPath(o.Ckpt)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := zoo.LoadWithin(path, o.MaxMemory.Bytes())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("-ckpt %s: %w", o.Ckpt, err)
	}
	if m, err = o.Sampling.Apply(m); err != nil {
		return nil, nil, nil, err
	}
	if d, ok := m.(*zoo.Diffusion); ok {
		sc := d.Sampling().WithDefaults(d.Model.Config.T)
		res.Sampling = &sc
	}
	src := m.Checkpoint()
	res.Path, res.Kind, res.Step = src.Path, m.Kind(), src.Meta.Step
	if c, h, w := m.Shape(); sameShape(net, "", c, h, w) != nil {
		nc, nh, nw := net.clf.Config().ImageShape()
		return nil, nil, nil, fmt.Errorf("-ckpt %s: the model draws %dx%dx%d images, the network %s takes %dx%dx%d", src.Path, c, h, w, net.name, nc, nh, nw)
	}
	images, err := m.Generate(ctx, o.N, o.Seed, -1)
	if err != nil {
		return nil, nil, nil, err
	}
	v, ok := m.(*zoo.VAE)
	if !ok {
		return m, images, nil, nil
	}
	// The checkpoint's seed, as train-vae -ckpt uses: the ε draws (and a
	// binarising model's fixed test draw) are the training run's.
	tester, err := vae.NewTester(v.Model, test, vae.TestConfig{Seed: src.Meta.Seed})
	return m, images, tester, err
}

// realTrain returns o.N training images drawn without replacement with
// o.Seed.
func realTrain(o options, net *network) ([]float32, error) {
	train, err := o.DataFlags.Train(o.Data, o.Seed, io.Discard)
	if err != nil {
		return nil, err
	}
	if err := sameShape(net, "the training set "+train.Source, train.Channels(), train.H, train.W); err != nil {
		return nil, err
	}
	if o.N > train.N {
		return nil, cli.Usagef("-n %d is more than the %d training images", o.N, train.N)
	}
	pixels := net.clf.Config().Pixels()
	perm := rand.New(rand.NewPCG(o.Seed, 0x3f84d5b5)).Perm(train.N)[:o.N]
	images := make([]float32, 0, o.N*pixels)
	for _, i := range perm {
		for _, p := range train.Image(i) {
			images = append(images, float32(p)/255)
		}
	}
	return images, nil
}

func measureVAE(ctx context.Context, t *vae.Tester, o options) (*vaeResult, error) {
	l, err := t.Loss(ctx)
	if err != nil {
		return nil, err
	}
	r := &vaeResult{TestLoss: l.Loss, TestBCE: l.BCE, TestKL: l.KL, TestN: t.N()}
	if len(o.IWAEK) > 0 {
		n := o.IWAEN
		if n <= 0 || n > t.N() {
			n = t.N()
		}
		for _, k := range o.IWAEK {
			nll, err := t.IWAE(ctx, k, n)
			if err != nil {
				return nil, err
			}
			r.IWAE = append(r.IWAE, iwaeBound{K: k, NLL: nll})
		}
		r.IWAEN = n
	}
	return r, nil
}

func printTable(w io.Writer, r *result) error {
	var src string
	switch r.Source {
	case "checkpoint":
		src = fmt.Sprintf("%s checkpoint %s (step %d), %d samples, seed %d", strings.ToUpper(r.Kind), r.Path, r.Step, r.N, r.Seed)
	case "samples":
		src = fmt.Sprintf("%s: %d of %d images", r.Path, r.N, r.Available)
	case "real-train":
		src = fmt.Sprintf("%d real %s training images, seed %d", r.N, dataName(r), r.Seed)
	default:
		src = fmt.Sprintf("%d images of uniform noise, seed %d", r.N, r.Seed)
	}
	clf := r.Classifier
	if r.ClfAcc > 0 {
		clf += fmt.Sprintf(", test accuracy %.2f%%", 100*r.ClfAcc)
	}
	if r.ClassifierSHA256 != "" {
		clf += ", sha256 " + r.ClassifierSHA256[:16]
	}
	if sc := r.Sampling; sc != nil {
		src += fmt.Sprintf(", %s %d steps, η %g, guidance %g", strings.ToUpper(sc.Method), sc.Steps, sc.Eta, sc.Guidance)
	}
	fmt.Fprintf(w, "samples:    %s\nreference:  %s (%d images)\nclassifier: %s\n\n", src, r.Reference, r.ReferenceN, clf)
	// A classifier that names its classes measures classes, MNIST's
	// measures digits.
	class, classes := "digit", "digits"
	if r.ClassNames != nil {
		class, classes = "class", "classes"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "metric\tvalue\tmeaning\n")
	if r.FeaturesOnly {
		fmt.Fprintf(tw, "FID\t%.4g\tlower is better; 0 = the reference's feature statistics (random features: their own scale)\n", r.FID)
	} else {
		fmt.Fprintf(tw, "FID\t%.3f\tlower is better; 0 = the test set's feature statistics\n", r.FID)
		fmt.Fprintf(tw, "Inception score\t%.3f ± %.3f\thigher is better, at most %d (%d splits)\n", r.InceptionScore, r.InceptionScoreStd, len(r.Histogram), r.Splits)
	}
	fmt.Fprintf(tw, "precision\t%.3f\tsamples inside the test set's manifold (k = %d, %d vs %d points)\n", r.Precision, r.K, r.PRSamples, r.PRReal)
	fmt.Fprintf(tw, "recall\t%.3f\ttest images inside the samples' manifold\n", r.Recall)
	if !r.FeaturesOnly {
		fmt.Fprintf(tw, "%s covered\t%d / %d\t%s with at least 10%% of their fair share\n", classes, r.DigitsCovered, len(r.Histogram), classes)
		fmt.Fprintf(tw, "KL from uniform\t%.4f\tnats, of the predicted-%s histogram (0 balanced, %.2f one %s)\n", r.KLUniform, class, math.Log(float64(len(r.Histogram))), class)
	}
	if v := r.VAE; v != nil {
		fmt.Fprintf(tw, "VAE test loss\t%.2f\tnegative ELBO, nats/image on %d test images (BCE %.2f + KL %.2f)\n", v.TestLoss, v.TestN, v.TestBCE, v.TestKL)
		for _, b := range v.IWAE {
			fmt.Fprintf(tw, "VAE IWAE bound\t%.2f\tupper bound on the test NLL, k = %d, %d test images\n", b.NLL, b.K, v.IWAEN)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if !r.FeaturesOnly {
		var hist []string
		for d, c := range r.Histogram {
			name := strconv.Itoa(d)
			if r.ClassNames != nil {
				name = r.ClassNames[d]
			}
			hist = append(hist, fmt.Sprintf("%s: %.1f%%", name, 100*float64(c)/float64(r.N)))
		}
		fmt.Fprintf(w, "%-12s%s\n", classes+":", strings.Join(hist, "  "))
		if r.Baselines != nil || r.PerClass != nil {
			fmt.Fprintln(w)
		}
	}
	if r.Baselines != nil {
		if err := printBaselines(w, r); err != nil {
			return err
		}
	}
	if r.PerClass != nil {
		if err := printSweep(w, r.PerClass); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "time:       %.1fs\n", r.Seconds)
	return err
}

// dataName names the data in the table's lines.
func dataName(r *result) string {
	if r.Data == "" {
		return "MNIST"
	}
	return r.Data
}

// printBaselines prints the model's row between the real and noise rows
// of -baselines.
func printBaselines(w io.Writer, r *result) error {
	fmt.Fprintf(w, "against real data and noise (same reference, network and -n):\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "row\tFID\tIS\tprecision\trecall\tcovered\n")
	rows := []baseline{r.Baselines[0], {Source: r.Source, Report: r.Report}, r.Baselines[1]}
	names := map[string]string{"real-train": "real training images", "noise": "uniform noise", "checkpoint": strings.ToUpper(r.Kind) + " samples", "samples": r.Path}
	for _, row := range rows {
		is, covered := "-", "-"
		if !row.FeaturesOnly {
			is = fmt.Sprintf("%.3f", row.InceptionScore)
			covered = fmt.Sprintf("%d / %d", row.DigitsCovered, len(row.Histogram))
		}
		fmt.Fprintf(tw, "%s\t%.4g\t%s\t%.3f\t%.3f\t%s\n", names[row.Source], row.FID, is, row.Precision, row.Recall, covered)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}
