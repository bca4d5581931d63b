// Command eval measures a generative model of MNIST digits, or a file of
// its samples, against the MNIST test set: FID, Inception score, precision
// and recall in the feature space of the project's reference classifier,
// the digits the samples cover, and for a VAE its test ELBO and IWAE bound.
// It also measures real training images (-real train: what a perfect model
// would score) and uniform noise (-noise: what a useless one would).
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
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

const summary = `
eval measures samples of a generative model against the MNIST test set.

  go run ./cmd/eval -ckpt runs/gan-20260101-120000        # draws -n samples from the latest checkpoint
  go run ./cmd/eval -samples samples.idx                   # an IDX3 ubyte file, as cmd/sample writes
  go run ./cmd/eval -samples pngs/                         # a folder of 28x28 PNG files
  go run ./cmd/eval -real train                            # real training images: the best attainable row
  go run ./cmd/eval -noise                                 # uniform noise: the worst row
  go run ./cmd/eval -ckpt runs/vae-20260101-120000 -json   # one JSON object instead of the table

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
bound on the test NLL with -iwae-k samples.`

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
	K          int
	Splits     int
	RefN       int
	cli.IWAEFlags
	JSON      bool
	Out       string
	MaxMemory cli.Memory
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Exit(os.Stderr, "eval", run(ctx, os.Args[1:], os.Stdout, os.Stderr)))
}

func parse(args []string, stdout io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.StringVar(&o.Ckpt, "ckpt", "", "GAN or VAE checkpoint file, or a run folder (its latest checkpoint); samples are drawn from it")
	fs.StringVar(&o.Samples, "samples", "", "IDX3 ubyte file of N×28×28 images, or a folder of 28×28 PNG files")
	fs.StringVar(&o.Real, "real", "", "\"train\": measure real MNIST training images (a random -n of them)")
	fs.BoolVar(&o.Noise, "noise", false, "measure -n images of uniform noise")
	fs.IntVar(&o.N, "n", 10000, "samples to measure (with -samples: at most this many, in file order)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the samples drawn (-ckpt, -real, -noise): same seed, same numbers")
	fs.StringVar(&o.Data, "data", "", cli.DataHelp)
	o.DataFlags.Register(fs)
	fs.StringVar(&o.Classifier, "classifier", "", "classifier weights to measure with (default: the embedded "+eval.ClassifierName+")")
	fs.IntVar(&o.K, "k", eval.DefaultK, "neighbourhood size of precision and recall")
	fs.IntVar(&o.Splits, "splits", eval.DefaultSplits, "splits of the Inception score")
	fs.IntVar(&o.RefN, "ref-n", 0, "test images in the reference set (0: all)")
	o.IWAEFlags.Register(fs, "(VAE only; as train-vae measures it at the end of training)")
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object instead of the table")
	fs.StringVar(&o.Out, "o", "", "also write the JSON object to this file")
	cli.RegisterMemory(fs, &o.MaxMemory)
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
	if err := c.Err(); err != nil {
		return o, err
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
	Source     string  `json:"source"` // checkpoint, samples, real-train or noise
	Path       string  `json:"path,omitempty"`
	Kind       string  `json:"kind,omitempty"` // of a checkpoint
	Step       int64   `json:"step,omitempty"` // of a checkpoint
	Seed       uint64  `json:"seed"`
	Available  int     `json:"available,omitempty"` // images in a -samples source
	Reference  string  `json:"reference"`
	ReferenceN int     `json:"reference_n"`
	Classifier string  `json:"classifier"`
	ClfAcc     float64 `json:"classifier_test_accuracy,omitempty"`
	*eval.Report
	VAE     *vaeResult `json:"vae,omitempty"`
	Seconds float64    `json:"seconds"`
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
	clf, meta, name, err := loadClassifier(o.Classifier, o.MaxMemory.Bytes())
	if err != nil {
		return err
	}
	cfg := clf.Config()
	test, err := o.DataFlags.Test(o.Data, o.Seed, stderr)
	if err != nil {
		return err
	}
	if test.H != cfg.Height || test.W != cfg.Width {
		return fmt.Errorf("the test set %s has %dx%d images, the classifier %s takes %dx%d", test.Source, test.H, test.W, name, cfg.Height, cfg.Width)
	}
	res := &result{Seed: o.Seed, Classifier: name}
	if acc, ok := eval.TestAccuracy(meta); ok {
		res.ClfAcc = acc
	}

	var images []float32
	var tester *vae.Tester
	switch {
	case o.Ckpt != "":
		res.Source = "checkpoint"
		images, tester, err = fromCheckpoint(ctx, o, res, test, cfg)
	case o.Samples != "":
		res.Source, res.Path = "samples", o.Samples
		var n int
		images, n, res.Available, err = readSamples(o.Samples, o.N, cfg.Height, cfg.Width)
		if err == nil && n <= o.K {
			err = fmt.Errorf("-samples %s: %d images are too few (need more than -k %d)", o.Samples, n, o.K)
		}
		if err == nil && n < o.Splits {
			err = fmt.Errorf("-samples %s: %d images are too few for -splits %d", o.Samples, n, o.Splits)
		}
	case o.Real != "":
		res.Source = "real-train"
		images, err = realTrain(o, cfg)
	default:
		res.Source = "noise"
		images = make([]float32, o.N*cfg.Pixels())
		rng := rand.New(rand.NewPCG(o.Seed, 0x8a2b6c1d))
		for i := range images {
			images[i] = rng.Float32()
		}
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
	ev, err := eval.NewEvaluator(clf, eval.Pixels(ref), ref.Source, eval.Options{K: o.K, Splits: o.Splits})
	if err != nil {
		return err
	}
	res.Reference, res.ReferenceN = "MNIST test set", ref.N
	if res.Report, err = ev.Evaluate(ctx, images); err != nil {
		return err
	}
	if tester != nil {
		if res.VAE, err = measureVAE(ctx, tester, o); err != nil {
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

func loadClassifier(path string, maxMemory int64) (*classifier.Inference, checkpoints.Meta, string, error) {
	if path == "" {
		clf, meta, err := eval.DefaultClassifier()
		return clf, meta, eval.ClassifierName, err
	}
	c, path, err := checkpoints.Open(path)
	if err != nil {
		return nil, checkpoints.Meta{}, "", fmt.Errorf("-classifier: %w", err)
	}
	m, err := classifier.FromCheckpointWithin(c, maxMemory)
	if err != nil {
		return nil, checkpoints.Meta{}, "", fmt.Errorf("-classifier: %w", err)
	}
	return classifier.NewInference(m), c.Meta, path, nil
}

// fromCheckpoint draws o.N samples from a GAN or VAE checkpoint; for a VAE
// it also returns a tester of the test set.
func fromCheckpoint(ctx context.Context, o options, res *result, test *datasets.Set, cfg classifier.Config) ([]float32, *vae.Tester, error) {
	path, err := cli.CheckpointPath(o.Ckpt)
	if err != nil {
		return nil, nil, err
	}
	m, err := zoo.LoadWithin(path, o.MaxMemory.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("-ckpt %s: %w", o.Ckpt, err)
	}
	src := m.Checkpoint()
	res.Path, res.Kind, res.Step = src.Path, m.Kind(), src.Meta.Step
	if _, h, w := m.Shape(); h != cfg.Height || w != cfg.Width {
		return nil, nil, fmt.Errorf("-ckpt %s: the model draws %dx%d images, the classifier takes %dx%d", src.Path, h, w, cfg.Height, cfg.Width)
	}
	images, err := m.Generate(ctx, o.N, o.Seed, -1)
	if err != nil {
		return nil, nil, err
	}
	v, ok := m.(*zoo.VAE)
	if !ok {
		return images, nil, nil
	}
	// The checkpoint's seed, as train-vae -ckpt uses: the ε draws (and a
	// binarising model's fixed test draw) are the training run's.
	tester, err := vae.NewTester(v.Model, test, vae.TestConfig{Seed: src.Meta.Seed})
	return images, tester, err
}

// realTrain returns o.N training images drawn without replacement with
// o.Seed.
func realTrain(o options, cfg classifier.Config) ([]float32, error) {
	train, err := o.DataFlags.Train(o.Data, o.Seed, io.Discard)
	if err != nil {
		return nil, err
	}
	if train.H != cfg.Height || train.W != cfg.Width {
		return nil, fmt.Errorf("the training set %s has %dx%d images, the classifier takes %dx%d", train.Source, train.H, train.W, cfg.Height, cfg.Width)
	}
	if o.N > train.N {
		return nil, cli.Usagef("-n %d is more than the %d training images", o.N, train.N)
	}
	pixels := cfg.Pixels()
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
		src = fmt.Sprintf("%d real MNIST training images, seed %d", r.N, r.Seed)
	default:
		src = fmt.Sprintf("%d images of uniform noise, seed %d", r.N, r.Seed)
	}
	clf := r.Classifier
	if r.ClfAcc > 0 {
		clf += fmt.Sprintf(", test accuracy %.2f%%", 100*r.ClfAcc)
	}
	fmt.Fprintf(w, "samples:    %s\nreference:  %s (%d images)\nclassifier: %s\n\n", src, r.Reference, r.ReferenceN, clf)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "metric\tvalue\tmeaning\n")
	fmt.Fprintf(tw, "FID\t%.3f\tlower is better; 0 = the test set's feature statistics\n", r.FID)
	fmt.Fprintf(tw, "Inception score\t%.3f ± %.3f\thigher is better, at most 10 (%d splits)\n", r.InceptionScore, r.InceptionScoreStd, r.Splits)
	fmt.Fprintf(tw, "precision\t%.3f\tsamples inside the test set's manifold (k = %d, %d vs %d points)\n", r.Precision, r.K, r.PRSamples, r.PRReal)
	fmt.Fprintf(tw, "recall\t%.3f\ttest images inside the samples' manifold\n", r.Recall)
	fmt.Fprintf(tw, "digits covered\t%d / %d\tdigits with at least 10%% of their fair share\n", r.DigitsCovered, len(r.Histogram))
	fmt.Fprintf(tw, "KL from uniform\t%.4f\tnats, of the predicted-digit histogram (0 balanced, %.2f one digit)\n", r.KLUniform, math.Log(float64(len(r.Histogram))))
	if v := r.VAE; v != nil {
		fmt.Fprintf(tw, "VAE test loss\t%.2f\tnegative ELBO, nats/image on %d test images (BCE %.2f + KL %.2f)\n", v.TestLoss, v.TestN, v.TestBCE, v.TestKL)
		for _, b := range v.IWAE {
			fmt.Fprintf(tw, "VAE IWAE bound\t%.2f\tupper bound on the test NLL, k = %d, %d test images\n", b.NLL, b.K, v.IWAEN)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var hist []string
	for d, c := range r.Histogram {
		hist = append(hist, fmt.Sprintf("%d: %.1f%%", d, 100*float64(c)/float64(r.N)))
	}
	_, err := fmt.Fprintf(w, "\ndigits:     %s\ntime:       %.1fs\n", strings.Join(hist, "  "), r.Seconds)
	return err
}
