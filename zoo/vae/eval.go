package vae

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// TestConfig sets how a [Tester] batches its work; none of it changes the
// numbers except Seed.
type TestConfig struct {
	Batch int    // test images per encoder run; 0 means 500
	Chunk int    // latent samples per decoder run of the IWAE bound; 0 means 1000
	Seed  uint64 // seed of ε and of the fixed binarisation
}

// WithDefaults returns c with zero fields replaced by their defaults.
func (c TestConfig) WithDefaults() TestConfig {
	if c.Batch == 0 {
		c.Batch = 500
	}
	if c.Chunk == 0 {
		c.Chunk = 1000
	}
	return c
}

// Tester measures a model on a fixed set of test images: the test loss
// (the negative ELBO, as pytorch/examples reports it) and the IWAE bound.
// It builds its graphs once, on first use, without gradients, and reads
// the model's current parameters at each call. A Tester is not safe for
// concurrent use.
type Tester struct {
	model  *Model
	cfg    TestConfig
	images []uint8 // one byte per value (C×H×W per image); binarised to 0/255 once when the model trains binarised
	labels []uint8 // one per image, for a conditional model; nil otherwise
	n      int

	elbo *elboGraph
	enc  *encGraph
	ll   *llGraph
}

type elboGraph struct {
	vm       *graphs.Machine
	x, eps   *G.Node
	y        *G.Node        // one-hot labels; nil for an unconditional model
	bce, kl  *graphs.Result // per-image terms
	xin, ein []float32
}

type encGraph struct {
	vm         *graphs.Machine
	x, y       *G.Node
	mu, logvar *graphs.Result
}

type llGraph struct {
	vm      *graphs.Machine
	z, x, y *G.Node
	bce     *graphs.Result // Σ over pixels of BCE per row: −log p(x|z)
}

// NewTester returns a tester of m on set, whose images must have m's size.
// With Config.Binarize the set is binarised once, with a generator seeded
// by tc.Seed, so that every evaluation sees the same binary images.
func NewTester(m *Model, set *datasets.Set, tc TestConfig) (*Tester, error) {
	tc = tc.WithDefaults()
	cfg := m.Config
	if set == nil || set.N < 1 {
		return nil, fmt.Errorf("vae: tester: the test set is empty")
	}
	if c, h, w := cfg.ImageShape(); set.Channels() != c || set.H != h || set.W != w {
		return nil, fmt.Errorf("vae: tester: test set %q has %dx%dx%d images (channels x height x width), the model %dx%dx%d", set.Source, set.Channels(), set.H, set.W, c, h, w)
	}
	if len(set.Images) != set.N*set.ImageBytes() {
		return nil, fmt.Errorf("vae: tester: test set %q has %d bytes for %d images of %dx%dx%d", set.Source, len(set.Images), set.N, set.Channels(), set.H, set.W)
	}
	if tc.Batch < 1 || tc.Chunk < 1 {
		return nil, fmt.Errorf("vae: tester: batch %d and chunk %d must be positive", tc.Batch, tc.Chunk)
	}
	t := &Tester{model: m, cfg: tc, n: set.N, images: set.Images}
	if cfg.Classes > 0 {
		// A conditional model's test loss is that of each image given its
		// own label, so the labels must be there and in range.
		if len(set.Labels) != set.N {
			return nil, fmt.Errorf("vae: tester: the model is class-conditional but test set %q has %d labels for %d images", set.Source, len(set.Labels), set.N)
		}
		for i, y := range set.Labels {
			if int(y) >= cfg.Classes {
				return nil, fmt.Errorf("vae: tester: test image %d has label %d, the model %d classes", i, y, cfg.Classes)
			}
		}
		t.labels = set.Labels
	}
	if cfg.Binarize {
		rng := rand.New(rand.NewPCG(tc.Seed, 0x428a2f98))
		t.images = make([]uint8, len(set.Images))
		for i, p := range set.Images {
			if rng.Float32() < float32(p)/255 {
				t.images[i] = 255
			}
		}
	}
	return t, nil
}

// N returns the number of test images.
func (t *Tester) N() int { return t.n }

// Images returns test images first to first+n−1 with pixels in [0, 1] (binarised
// if the model trains binarised), the scale the Loader's ScaleUnit gives.
func (t *Tester) Images(first, n int) []float32 {
	pixels := t.model.Config.Pixels()
	first, n = min(max(first, 0), t.n), max(n, 0)
	n = min(n, t.n-first)
	out := make([]float32, n*pixels)
	t.fill(out, first, n)
	return out
}

// Labels returns the labels of test images first to first+n−1 (clamped as
// in [Tester.Images]), or nil for an unconditional model.
func (t *Tester) Labels(first, n int) []int {
	if t.labels == nil {
		return nil
	}
	first, n = min(max(first, 0), t.n), max(n, 0)
	n = min(n, t.n-first)
	out := make([]int, n)
	for i := range out {
		out[i] = int(t.labels[first+i])
	}
	return out
}

// fillLabels writes the one-hot labels of n images starting at first into
// the label input y, zeroing the rows past them; it does nothing for an
// unconditional model (y nil).
func (t *Tester) fillLabels(y *G.Node, first, n int) error {
	if y == nil {
		return nil
	}
	return graphs.OneHot(graphs.Value(y).Data().([]float32), t.Labels(first, n), t.model.Config.Classes)
}

// fill converts n images starting at first into dst.
func (t *Tester) fill(dst []float32, first, n int) {
	pixels := t.model.Config.Pixels()
	for j, p := range t.images[first*pixels : (first+n)*pixels] {
		dst[j] = float32(p) / 255
	}
}

// TestLoss is the model's loss on the test set in nats per image.
type TestLoss struct {
	Loss float64 // BCE + KL (β = 1): the negative ELBO
	BCE  float64
	KL   float64
}

// Loss returns the test loss as pytorch/examples defines it: for each image
// one z drawn from q(z|x), the summed BCE of its reconstruction plus the
// analytic KL, averaged over the test images. The draws come from the
// tester's seed afresh at each call, so the number moves only because the
// model did. A cancelled ctx stops it between batches with ctx's error.
func (t *Tester) Loss(ctx context.Context) (TestLoss, error) {
	cfg := t.model.Config
	if t.elbo == nil {
		b := graphs.NewBuilder()
		g := &elboGraph{x: b.Input("x", t.cfg.Batch, cfg.Pixels()), eps: b.Input("eps", t.cfg.Batch, cfg.Z)}
		g.y = t.model.labelInput(b, "y", t.cfg.Batch)
		terms := Objective(b, t.model, g.x, g.y, g.eps, 1)
		g.bce, g.kl = b.Keep(terms.BCE), b.Keep(terms.KL)
		vm, err := b.Compile()
		if err != nil {
			return TestLoss{}, fmt.Errorf("vae: building the test-loss graph: %w", err)
		}
		g.vm = vm
		g.xin = graphs.Value(g.x).Data().([]float32)
		g.ein = graphs.Value(g.eps).Data().([]float32)
		t.elbo = g
	}
	g := t.elbo
	rng := rand.New(rand.NewPCG(t.cfg.Seed, 0x71374491))
	var bce, kl float64
	for start := 0; start < t.n; start += t.cfg.Batch {
		if err := ctx.Err(); err != nil {
			return TestLoss{}, err
		}
		k := min(t.cfg.Batch, t.n-start)
		t.fill(g.xin[:k*cfg.Pixels()], start, k)
		clear(g.xin[k*cfg.Pixels():])
		// Only k rows of ε are drawn so that an image's ε does not depend
		// on the batch size.
		graphs.FillNormal(g.ein[:k*cfg.Z], rng)
		clear(g.ein[k*cfg.Z:])
		if err := t.fillLabels(g.y, start, k); err != nil {
			return TestLoss{}, err
		}
		if err := g.vm.Run(); err != nil {
			return TestLoss{}, fmt.Errorf("vae: test loss: %w", err)
		}
		bv, kv := g.bce.Float32s(), g.kl.Float32s()
		if len(bv) < k || len(kv) < k {
			return TestLoss{}, fmt.Errorf("vae: test loss: the graph returned %d and %d per-image terms for %d images", len(bv), len(kv), k)
		}
		for i := range k {
			bce += float64(bv[i])
			kl += float64(kv[i])
		}
	}
	n := float64(t.n)
	return TestLoss{Loss: (bce + kl) / n, BCE: bce / n, KL: kl / n}, nil
}

// IWAE returns the importance-weighted bound with k samples as an upper
// bound on the negative log-likelihood, −(1/n) Σ L_k(x), in nats per image,
// over the first n test images (all of them when n is 0 or too large).
// Its cost is k decoder passes per image: the encoder runs once per batch
// of images and the decoder over chunks of samples, so memory does not
// grow with k. A cancelled ctx stops it between chunks with ctx's error.
func (t *Tester) IWAE(ctx context.Context, k, n int) (float64, error) {
	if k < 1 {
		return 0, fmt.Errorf("vae: IWAE needs at least one sample, got k = %d", k)
	}
	if n <= 0 || n > t.n {
		n = t.n
	}
	if err := t.buildIWAE(); err != nil {
		return 0, err
	}
	cfg := t.model.Config
	pixels, zdim := cfg.Pixels(), cfg.Z
	rng := rand.New(rand.NewPCG(t.cfg.Seed, 0xb5c0fbcf))
	batch := make([]float32, t.cfg.Batch*pixels)
	xin := graphs.Value(t.enc.x).Data().([]float32)
	zin := graphs.Value(t.ll.z).Data().([]float32)
	tin := graphs.Value(t.ll.x).Data().([]float32)
	var yin []float32
	if t.ll.y != nil {
		yin = graphs.Value(t.ll.y).Data().([]float32)
	}
	classes := cfg.Classes
	var start int // first test image of the current batch
	ll := func(z []float32, rows []int, out []float64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		copy(zin, z)
		clear(zin[len(z):])
		for r, i := range rows {
			copy(tin[r*pixels:(r+1)*pixels], batch[i*pixels:(i+1)*pixels])
		}
		if yin != nil {
			// Each sample is decoded with the label of the image it was
			// drawn for.
			clear(yin)
			for r, i := range rows {
				yin[r*classes+int(t.labels[start+i])] = 1
			}
		}
		if err := t.ll.vm.Run(); err != nil {
			return fmt.Errorf("vae: IWAE decoder: %w", err)
		}
		for r, v := range t.ll.bce.Float32s()[:len(rows)] {
			out[r] = -float64(v)
		}
		return nil
	}
	var sum float64
	for start = 0; start < n; start += t.cfg.Batch {
		m := min(t.cfg.Batch, n-start)
		t.fill(batch[:m*pixels], start, m)
		copy(xin, batch[:m*pixels])
		clear(xin[m*pixels:])
		if err := t.fillLabels(t.enc.y, start, m); err != nil {
			return 0, err
		}
		if err := t.enc.vm.Run(); err != nil {
			return 0, fmt.Errorf("vae: IWAE encoder: %w", err)
		}
		mu := t.enc.mu.Float32s()[:m*zdim]
		logvar := t.enc.logvar.Float32s()[:m*zdim]
		bounds, err := iwaeBounds(mu, logvar, zdim, k, t.cfg.Chunk, rng, ll)
		if err != nil {
			return 0, err
		}
		for _, b := range bounds {
			sum += b
		}
	}
	return -sum / float64(n), nil
}

func (t *Tester) buildIWAE() error {
	if t.enc != nil {
		return nil
	}
	cfg := t.model.Config
	b := graphs.NewBuilder()
	enc := &encGraph{x: b.Input("x", t.cfg.Batch, cfg.Pixels())}
	enc.y = t.model.labelInput(b, "y", t.cfg.Batch)
	mu, logvar := t.model.Encode(b, enc.x, enc.y)
	enc.mu, enc.logvar = b.Keep(mu), b.Keep(logvar)
	vm, err := b.Compile()
	if err != nil {
		return fmt.Errorf("vae: building the IWAE encoder graph: %w", err)
	}
	enc.vm = vm
	b = graphs.NewBuilder()
	ll := &llGraph{z: b.Input("z", t.cfg.Chunk, cfg.Z), x: b.Input("x", t.cfg.Chunk, cfg.Pixels())}
	ll.y = t.model.labelInput(b, "y", t.cfg.Chunk)
	ll.bce = b.Keep(b.Sum(b.BCEWithLogits(t.model.Decode(b, ll.z, ll.y), ll.x), 1))
	if ll.vm, err = b.Compile(); err != nil {
		return fmt.Errorf("vae: building the IWAE decoder graph: %w", err)
	}
	t.enc, t.ll = enc, ll
	return nil
}

// logLikelihood writes log p(x_i | z_r) into out[r] for each row r of z
// (len(rows) vectors, one after another), where i = rows[r] indexes the
// images of the current batch.
type logLikelihood func(z []float32, rows []int, out []float64) error

// iwaeBounds returns the k-sample importance-weighted bound
// log (1/k) Σ_j p(x|z_j) p(z_j) / q(z_j|x) for each of the n images whose
// posteriors are N(mu_i, exp(logvar_i)) (n×zdim values each), with the
// z_j drawn from q via rng. The n·k samples are evaluated chunk rows at a
// time, so memory is O(n + chunk) whatever k is; the log-mean-exp is
// accumulated per image in float64 with a running maximum, so no weight
// overflows however far the log weights are from 0.
func iwaeBounds(mu, logvar []float32, zdim, k, chunk int, rng *rand.Rand, ll logLikelihood) ([]float64, error) {
	if zdim < 1 || len(mu)%zdim != 0 || len(logvar) != len(mu) {
		return nil, fmt.Errorf("vae: IWAE: %d means and %d log-variances for latent size %d", len(mu), len(logvar), zdim)
	}
	if k < 1 || chunk < 1 {
		return nil, fmt.Errorf("vae: IWAE: k = %d and chunk = %d must be positive", k, chunk)
	}
	n := len(mu) / zdim
	maxW, sumW := make([]float64, n), make([]float64, n)
	for i := range maxW {
		maxW[i] = math.Inf(-1)
	}
	z := make([]float32, chunk*zdim)
	rows := make([]int, chunk)
	logPQ := make([]float64, chunk) // log p(z) − log q(z|x) of each row
	out := make([]float64, chunk)
	total := n * k
	for r0 := 0; r0 < total; r0 += chunk {
		c := min(chunk, total-r0)
		for r := range c {
			i := (r0 + r) / k
			rows[r] = i
			var lpq float64
			for d := range zdim {
				m, lv := float64(mu[i*zdim+d]), float64(logvar[i*zdim+d])
				zf := float32(m + math.Exp(0.5*lv)*rng.NormFloat64())
				z[r*zdim+d] = zf
				// Both densities are taken at the float32 z the decoder
				// sees; their ½·log 2π terms cancel.
				zv, diff := float64(zf), float64(zf)-m
				lpq += -0.5*zv*zv + 0.5*(diff*diff*math.Exp(-lv)+lv)
			}
			logPQ[r] = lpq
		}
		if err := ll(z[:c*zdim], rows[:c], out[:c]); err != nil {
			return nil, err
		}
		for r := range c {
			i, w := rows[r], out[r]+logPQ[r]
			if w > maxW[i] {
				sumW[i] = sumW[i]*math.Exp(maxW[i]-w) + 1
				maxW[i] = w
			} else {
				sumW[i] += math.Exp(w - maxW[i])
			}
		}
	}
	bounds := make([]float64, n)
	logK := math.Log(float64(k))
	for i := range bounds {
		bounds[i] = maxW[i] + math.Log(sumW[i]) - logK
	}
	return bounds, nil
}

// EvalStep is a training [Step] with a [Tester]: it embeds the Step, so it
// trains, checkpoints and previews as the Step does, and it implements
// [trainer.Evaluator], so the trainer logs the test loss at every epoch
// end and, once the run reaches FinalStep (or at every evaluation with
// IWAEEvery), the IWAE bounds.
type EvalStep struct {
	*Train
	Test *Tester

	IWAEK      []int // sample counts of the IWAE bounds to report; none when empty
	IWAEImages int   // test images the IWAE bounds use; 0 means all
	IWAEEvery  bool  // compute the IWAE bounds at every evaluation
	FinalStep  int64 // optimiser step count at which the run ends; the IWAE bounds are computed there
}

// Train is the training step an [EvalStep] embeds. The embedded field
// cannot be named Step: that name would hide the Step method it passes on.
type Train = Step

// Evaluate implements trainer.Evaluator. Metrics: test_loss, test_bce,
// test_kl (nats per image), and test_iwae_nll_k<k> for each k when due.
func (e *EvalStep) Evaluate() ([]trainer.Metric, error) {
	l, err := e.Test.Loss(context.Background())
	if err != nil {
		return nil, err
	}
	ms := []trainer.Metric{{Name: "test_loss", Value: l.Loss}, {Name: "test_bce", Value: l.BCE}, {Name: "test_kl", Value: l.KL}}
	if !e.IWAEEvery && (e.FinalStep <= 0 || e.Train.Opt.Step < e.FinalStep) {
		return ms, nil
	}
	for _, k := range e.IWAEK {
		nll, err := e.Test.IWAE(context.Background(), k, e.IWAEImages)
		if err != nil {
			return nil, err
		}
		ms = append(ms, trainer.Metric{Name: IWAEMetric(k), Value: nll})
	}
	return ms, nil
}

// IWAEMetric names the metric of the k-sample IWAE bound.
func IWAEMetric(k int) string { return fmt.Sprintf("test_iwae_nll_k%d", k) }
