package gan

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/optim"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// TrainConfig holds the optimisation settings of a GAN run. Its zero value
// is the MLP recipe's ([Preset]("mlp").Train): batch 64, Adam 2e-4 with
// β = (0.5, 0.999), the classic setting of Radford et al.
type TrainConfig struct {
	Batch int     // images per step; 0 means 64
	LR    float64 // Adam learning rate of both players; 0 means 2e-4
	// LRD and LRG override LR for D and for G when positive: SAGAN's
	// two-time-scale rule (Heusel et al. 2017) trains D faster than G.
	LRD, LRG float64
	// Beta1 and Beta2 are Adam's betas; 0 means 0.5 and 0.999, negative
	// means 0 (SAGAN's β1).
	Beta1, Beta2 float64
	PreviewSeed  uint64 // seed of the fixed noise behind the per-epoch sample grid
}

// WithDefaults returns c with zero fields replaced by their defaults. A
// negative beta, standing for zero, is kept, so that WithDefaults can be
// applied again.
func (c TrainConfig) WithDefaults() TrainConfig {
	d := recipes["mlp"].Train
	if c.Batch == 0 {
		c.Batch = d.Batch
	}
	if c.LR == 0 {
		c.LR = d.LR
	}
	if c.Beta1 == 0 {
		c.Beta1 = d.Beta1
	}
	if c.Beta2 == 0 {
		c.Beta2 = d.Beta2
	}
	if c.LRD == 0 {
		c.LRD = c.LR
	}
	if c.LRG == 0 {
		c.LRG = c.LR
	}
	return c
}

// Step trains a GAN: each call updates D once, then G once, on the same
// noise, as the reference PyTorch loop does. It implements [trainer.Model].
type Step struct {
	Model      *Model
	OptD, OptG *optim.Adam
	EMA        *optim.EMA // averages G's weights after each G update; nil without Config.EMA
	Noise      *rand.PCG  // source of z; part of the run's state

	batch int
	rng   *rand.Rand
	sns   []*graphs.SpectralNorm // D's, advanced once per step
	d, g  *graphs.TrainGraph     // L_D for D's parameters; L_G for G's
	// inputs: the real images in the D graph, the noise in each graph
	real, dz, gz *G.Node
	// results: the losses, and D's mean outputs on the real and fake images
	lossD, lossG, dReal, dFake *graphs.Result
	// one-hot label inputs of a conditional model (nil otherwise): the real
	// images' labels and the fakes' in the D graph, the fakes' in the G graph
	dyReal, dyFake, gy *G.Node
	fakeLabels         []int // drawn each step, shared by both graphs
	// several discriminators only: the G graph's loss weights (an input)
	// and its per-discriminator losses, whose last values set the next
	// step's weights when Config.GMANLambda > 0
	gw      *G.Node
	gLosses *graphs.Result
	prevG   []float64
	// a mixture's D graph: the mean cross-entropy of the discriminators'
	// generator heads on the fakes; nil with one generator
	lossC *graphs.Result

	preview       *Generator
	previewNoise  []float32
	previewLabels []int // a conditional model's preview classes; nil otherwise
}

// NewStep builds and compiles the D and G graphs for m with tc's batch
// size and optimisers. Noise is drawn from a generator seeded with seed.
func NewStep(m *Model, tc TrainConfig, seed uint64) (*Step, error) {
	tc = tc.WithDefaults()
	if tc.Batch < 1 {
		return nil, fmt.Errorf("gan: batch size %d must be positive", tc.Batch)
	}
	cfg := m.Config
	s := &Step{
		Model: m,
		OptD:  optim.NewAdam(m.DiscParams().Trainable(), tc.LRD, max(tc.Beta1, 0), max(tc.Beta2, 0)),
		OptG:  optim.NewAdam(m.Gen.Params().Trainable(), tc.LRG, max(tc.Beta1, 0), max(tc.Beta2, 0)),
		Noise: rand.NewPCG(seed, 0xbb67ae85),
		batch: tc.Batch,
	}
	s.rng = rand.New(s.Noise)
	s.sns = m.SpectralNorms()
	if m.GenEMA != nil {
		ema, err := optim.NewEMA(m.Gen.Params(), m.GenEMA.Params(), cfg.EMA)
		if err != nil {
			return nil, err
		}
		s.EMA = ema
	}

	if k := cfg.GenCount(); k > tc.Batch {
		return nil, fmt.Errorf("gan: batch size %d gives some of the %d generators no images", tc.Batch, k)
	}

	// D graph. The generator's forward pass is part of it, but Grad only
	// follows paths from D's parameters, so no gradient flows into G.
	b := graphs.NewBuilder()
	b.Training = true
	s.real = b.Input("real", tc.Batch, cfg.Pixels())
	s.dz = b.Input("z", tc.Batch, cfg.Z)
	s.dyReal = m.labelInput(b, "real_y", tc.Batch)
	s.dyFake = m.labelInput(b, "fake_y", tc.Batch)
	d := m.discObjective(b, s.real, s.dz, s.dyReal, s.dyFake, m.whichInput(b, tc.Batch))
	s.lossD, s.dReal, s.dFake = b.Keep(d.adversarial), b.Keep(d.dReal), b.Keep(d.dFake)
	if d.genCE != nil {
		s.lossC = b.Keep(d.genCE)
	}
	var err error
	if s.d, err = graphs.NewTrainGraph(b, d.loss, m.DiscParams().Trainable()); err != nil {
		return nil, fmt.Errorf("gan: building the D graph: %w", err)
	}

	// G graph: D's layers are bound to D's tensors but only G is differentiated.
	b = graphs.NewBuilder()
	b.Training = true
	s.gz = b.Input("z", tc.Batch, cfg.Z)
	s.gy = m.labelInput(b, "y", tc.Batch)
	if len(m.Discs) > 0 {
		s.gw = b.Input("w", len(m.Discs))
	}
	g := m.genObjective(b, s.gz, s.gy, m.whichInput(b, tc.Batch), s.gw)
	s.lossG = b.Keep(g.adversarial)
	if g.perDisc != nil {
		s.gLosses = b.Keep(g.perDisc)
	}
	if s.g, err = graphs.NewTrainGraph(b, g.loss, m.Gen.Params().Trainable()); err != nil {
		return nil, fmt.Errorf("gan: building the G graph: %w", err)
	}

	s.preview = NewGenerator(m)
	previewRNG := rand.New(rand.NewPCG(tc.PreviewSeed, 0x3c6ef372))
	if cfg.Classes == 0 {
		s.previewNoise = make([]float32, 64*cfg.Z)
		graphs.FillNormal(s.previewNoise, previewRNG)
	} else {
		s.previewNoise, s.previewLabels = previewGrid(cfg.Z, cfg.Classes, previewRNG)
		s.fakeLabels = make([]int, tc.Batch)
	}
	return s, nil
}

// previewRows is the number of rows of a conditional model's preview grid.
const previewRows = 8

// previewGrid returns the noise and labels of a conditional preview:
// previewRows rows of classes columns, one latent vector per row and one
// class per column, so that a row shows one "style" drawn as every class.
func previewGrid(zdim, classes int, rng *rand.Rand) ([]float32, []int) {
	rows := make([]float32, previewRows*zdim)
	graphs.FillNormal(rows, rng)
	z := make([]float32, 0, previewRows*classes*zdim)
	labels := make([]int, 0, previewRows*classes)
	for r := range previewRows {
		for c := range classes {
			z = append(z, rows[r*zdim:(r+1)*zdim]...)
			labels = append(labels, c)
		}
	}
	return z, labels
}

// Run performs one D update and one G update. real holds Batch images
// scaled to [-1, 1], one after another (a batch in another scale is
// refused); labels are their classes, required
// when the model is conditional and ignored otherwise (nil for an
// unconditional model). The fakes' classes are drawn uniformly from the
// step's noise generator, the same ones for the D and the G update.
func (s *Step) Run(real []float32, labels []int) (Losses, error) {
	pixels := s.Model.Config.Pixels()
	if len(real) != s.batch*pixels {
		return Losses{}, fmt.Errorf("gan: batch holds %d values, want %d (%d images of %d pixels)", len(real), s.batch*pixels, s.batch, pixels)
	}
	if err := graphs.CheckPixels(real, pixels, -1, 1); err != nil {
		return Losses{}, fmt.Errorf("gan: %w", err)
	}
	classes := s.Model.Config.Classes
	if classes > 0 {
		if err := graphs.CheckLabels(labels, s.batch, classes); err != nil {
			return Losses{}, fmt.Errorf("gan: %w", err)
		}
		if err := graphs.OneHot(graphs.Value(s.dyReal).Data().([]float32), labels, classes); err != nil {
			return Losses{}, fmt.Errorf("gan: %w", err)
		}
	}
	copy(graphs.Value(s.real).Data().([]float32), real)
	z := graphs.Value(s.dz).Data().([]float32)
	graphs.FillNormal(z, s.rng)
	copy(graphs.Value(s.gz).Data().([]float32), z)
	if classes > 0 {
		// Drawn only for conditional models, so that an unconditional run
		// consumes the noise generator exactly as before.
		for i := range s.fakeLabels {
			s.fakeLabels[i] = s.rng.IntN(classes)
		}
		yFake := graphs.Value(s.dyFake).Data().([]float32)
		if err := graphs.OneHot(yFake, s.fakeLabels, classes); err != nil {
			return Losses{}, fmt.Errorf("gan: %w", err)
		}
		copy(graphs.Value(s.gy).Data().([]float32), yFake)
	}

	// One power iteration per step, on D's weights as they are before its
	// update; both graphs then divide by the same σ estimates.
	for _, sn := range s.sns {
		sn.Iterate()
	}
	// Each graph draws its dropout masks as it runs; nothing else draws
	// from the generator between the two runs, so D's masks still come
	// before G's in the stream.
	if err := s.d.Run(s.rng); err != nil {
		return Losses{}, fmt.Errorf("gan: D step: %w", err)
	}
	l := Losses{D: s.lossD.Scalar(), DReal: s.dReal.Scalar(), DFake: s.dFake.Scalar()}
	if s.lossC != nil {
		l.C = s.lossC.Scalar()
	}
	if err := s.OptD.Update(s.d.Grads()); err != nil {
		return l, err
	}
	if s.gw != nil {
		w := graphs.Value(s.gw).Data().([]float32)
		for i, v := range GMANWeights(s.prevG, len(w), s.Model.Config.GMANLambda) {
			w[i] = float32(v)
		}
	}
	if err := s.g.Run(s.rng); err != nil {
		return l, fmt.Errorf("gan: G step: %w", err)
	}
	l.G = s.lossG.Scalar()
	if s.gLosses != nil {
		s.prevG = s.prevG[:0]
		for _, v := range s.gLosses.Float32s() {
			s.prevG = append(s.prevG, float64(v))
		}
	}
	if err := s.OptG.Update(s.g.Grads()); err != nil {
		return l, err
	}
	if s.EMA != nil {
		s.EMA.Update()
	}
	return l, nil
}

// Losses are the numbers one step reports.
type Losses struct {
	D, G  float64 // L_D and L_G
	DReal float64 // mean σ(D(x)) on the real batch
	DFake float64 // mean σ(D(G(z))) before D's update
	// C is a mixture's mean cross-entropy of the discriminators'
	// generator heads on the fakes, before D's update (0 with one generator)
	C float64
}

// Kind implements trainer.Model.
func (s *Step) Kind() string { return Kind }

// Config implements trainer.Model.
func (s *Step) Config() any { return s.Model.Config }

// Batch implements trainer.Model.
func (s *Step) Batch() int { return s.batch }

// FLOPs returns the floating-point operations of the matrix products and
// convolutions of one Run, counted from its D and G graphs (see
// graphs.Machine.FLOPs); the spectral norm's power iteration, outside the
// graphs, is left out.
func (s *Step) FLOPs() int64 { return s.d.FLOPs() + s.g.FLOPs() }

// Params implements trainer.Model.
func (s *Step) Params() graphs.Params { return s.Model.Params() }

// Optimizers implements trainer.Model.
func (s *Step) Optimizers() []trainer.Optimizer {
	return []trainer.Optimizer{{Name: "d", Adam: s.OptD}, {Name: "g", Adam: s.OptG}}
}

// Step implements trainer.Model; labels are used by conditional models only.
func (s *Step) Step(images []float32, labels []int) ([]trainer.Metric, error) {
	l, err := s.Run(images, labels)
	ms := []trainer.Metric{
		{Name: "loss_d", Value: l.D}, {Name: "loss_g", Value: l.G},
		{Name: "D(x)", Value: l.DReal}, {Name: "D(G(z))", Value: l.DFake},
	}
	if s.lossC != nil {
		ms = append(ms, trainer.Metric{Name: "loss_c", Value: l.C})
	}
	return ms, err
}

// Previews implements trainer.Model: 64 samples from fixed noise, so that
// grids of successive epochs show the same latent points (drawn from the
// averaged generator when there is one). A mixture's generators draw
// consecutive blocks of the grid, the first generator the first block.
//
// A conditional model's grid has one column per class and previewRows rows,
// each row one latent vector.
func (s *Step) Previews() ([]trainer.Preview, error) {
	cfg := s.Model.Config
	var gens []int
	if k := cfg.GenCount(); k > 1 {
		// Blocks of the grid in order, one per generator, as in training:
		// with 2, 4 or 8 generators each has whole rows.
		gens = blockChoice(len(s.previewNoise)/cfg.Z, k)
	}
	imgs, err := s.preview.fromNoise(s.previewNoise, s.previewLabels, gens)
	if err != nil {
		return nil, err
	}
	c, h, w := cfg.ImageShape()
	p := trainer.Preview{Name: "samples", Images: imgs, N: 64, C: c, H: h, W: w, Lo: 0, Hi: 1, Cols: 8}
	if cfg.Classes > 0 {
		p.N, p.Cols = len(s.previewLabels), cfg.Classes
	}
	return []trainer.Preview{p}, nil
}

// State implements trainer.Stateful: the noise generator (which also draws
// the dropout masks) and the weight average's update count.
func (s *Step) State() (map[string]string, error) {
	st, err := optim.StepState("gan", s.Noise, s.EMA)
	if err != nil {
		return nil, err
	}
	if len(s.prevG) > 0 {
		// The next step's GMAN weights come from these, so an exact resume needs them.
		vs := make([]string, len(s.prevG))
		for i, v := range s.prevG {
			vs[i] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		st["gan.gman_g_losses"] = strings.Join(vs, ",")
	}
	return st, nil
}

// SetState implements trainer.Stateful.
func (s *Step) SetState(st map[string]string) error {
	if err := optim.SetStepState("gan", st, s.Noise, s.EMA); err != nil {
		return err
	}
	s.prevG = s.prevG[:0]
	if v, ok := st["gan.gman_g_losses"]; ok && s.gw != nil {
		for _, f := range strings.Split(v, ",") {
			x, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return fmt.Errorf("gan: checkpoint's GMAN losses %q: %w", v, err)
			}
			s.prevG = append(s.prevG, x)
		}
		if len(s.prevG) != len(s.Model.Discs) {
			return fmt.Errorf("gan: checkpoint has %d GMAN losses for %d discriminators", len(s.prevG), len(s.Model.Discs))
		}
	}
	return nil
}

// whichInput adds to b a mixture's choice of generator for the rows of a
// training batch ([blockChoice]), or returns nil for one generator.
func (m *Model) whichInput(b *graphs.Builder, batch int) *G.Node {
	k := m.Config.GenCount()
	if k == 1 {
		return nil
	}
	which := b.Input("which", batch, k)
	if which != nil {
		setOneHot(which, blockChoice(batch, k), k)
	}
	return which
}

// discTerms are the D graph's objective and what a step reports of it.
type discTerms struct {
	loss        *G.Node // minimised by D
	adversarial *G.Node // L_D alone (the mean over the discriminators with several)
	dReal       *G.Node // mean σ(D(x)) (over the discriminators)
	dFake       *G.Node // mean σ(D(G(z)))
	genCE       *G.Node // a mixture's generator-head cross-entropy on the fakes (mean over the discriminators); nil otherwise
}

// discObjective adds the discriminators' objective to b for real images,
// noise z, the labels of a conditional model (nil otherwise) and a
// mixture's choice of generator per row (nil for one generator): L_D,
// plus an AC-GAN's class cross-entropy, plus a mixture's cross-entropy of
// each discriminator's generator head on the fakes (MGAN's classifier
// loss, weight 1 as in the authors' code).
func (m *Model) discObjective(b *graphs.Builder, real, z, yReal, yFake, which *G.Node) discTerms {
	fake := m.GenerateMix(b, m.Gen, z, yFake, which)
	var t discTerms
	if len(m.Discs) == 0 {
		realLogits, fakeLogits, classLoss, fakeGen := m.discriminatePair(b, real, fake, yReal, yFake)
		t.adversarial = m.DiscLoss(b, realLogits, fakeLogits)
		t.loss = t.adversarial
		if classLoss != nil {
			t.loss = b.Add(t.loss, classLoss)
		}
		if fakeGen != nil {
			t.genCE = b.Mean(b.CrossEntropyWithLogits(fakeGen, which))
		}
		t.dReal = b.Mean(b.Sigmoid(realLogits))
		t.dFake = b.Mean(b.Sigmoid(fakeLogits))
	} else {
		// The discriminators' parameters are disjoint, so the gradient of
		// the summed loss gives each one the gradient of its own loss.
		var genCE *G.Node
		t.loss, t.dReal, t.dFake, genCE = multiDiscriminatorLoss(b, m.Discs, real, fake, which)
		inv := 1 / float64(len(m.Discs))
		t.adversarial = b.Scale(t.loss, inv)
		t.dReal, t.dFake = b.Scale(t.dReal, inv), b.Scale(t.dFake, inv)
		if genCE != nil {
			t.genCE = b.Scale(genCE, inv)
		}
	}
	if t.genCE != nil {
		t.loss = b.Add(t.loss, b.Scale(t.genCE, float64(len(m.Discriminators()))))
	}
	return t
}

// genTerms are the G graph's objective and what a step reports of it.
type genTerms struct {
	loss        *G.Node // minimised by G
	adversarial *G.Node // L_G alone
	perDisc     *G.Node // with several discriminators, the L_G of each; nil otherwise
}

// genObjective adds the generator's objective to b for noise z, the
// labels of a conditional model, a mixture's choice of generator per row
// and, with several discriminators, the weights w of their losses (nil
// otherwise): L_G, plus an AC-GAN's class cross-entropy, plus for a
// mixture β times the generator heads' mean cross-entropy on its images,
// which G lowers by making its generators' images tell apart (MGAN).
func (m *Model) genObjective(b *graphs.Builder, z, y, which, w *G.Node) genTerms {
	fake := m.GenerateMix(b, m.Gen, z, y, which)
	var t genTerms
	var genCE *G.Node
	if len(m.Discs) == 0 {
		logits, aux, gen := m.discriminateAux(b, fake, y)
		t.adversarial = m.GenLoss(b, logits)
		t.loss = t.adversarial
		if aux != nil {
			t.loss = b.Add(t.loss, m.classLoss(b, aux, y))
		}
		if gen != nil {
			genCE = b.Mean(b.CrossEntropyWithLogits(gen, which))
		}
	} else {
		t.adversarial, t.perDisc, genCE = weightedGeneratorLoss(b, m.Discs, fake, w, which)
		t.loss = t.adversarial
		if genCE != nil {
			genCE = b.Scale(genCE, 1/float64(len(m.Discs)))
		}
	}
	if genCE != nil && m.Config.MGANBeta > 0 {
		t.loss = b.Add(t.loss, b.Scale(genCE, m.Config.MGANBeta))
	}
	return t
}

// MultiDiscriminatorLoss adds the D objective of several discriminators:
// the sum over k of DiscriminatorLoss on D_k's logits for real and fake,
// and the sums over k of mean σ(D_k(x)) and mean σ(D_k(fake)).
func MultiDiscriminatorLoss(b *graphs.Builder, discs []Network, real, fake *G.Node) (loss, dReal, dFake *G.Node) {
	loss, dReal, dFake, _ = multiDiscriminatorLoss(b, discs, real, fake, nil)
	return loss, dReal, dFake
}

// multiDiscriminatorLoss is MultiDiscriminatorLoss that also returns, for
// a mixture's choice of generator which (nil for one generator), the sum
// over k of D_k's generator-head cross-entropy on fake.
func multiDiscriminatorLoss(b *graphs.Builder, discs []Network, real, fake, which *G.Node) (loss, dReal, dFake, genCE *G.Node) {
	for _, d := range discs {
		rl := d.Forward(b, real, nil)
		fl, _, gen := discriminateHeads(b, d, fake, nil)
		l, r, f := DiscriminatorLoss(b, rl, fl), b.Mean(b.Sigmoid(rl)), b.Mean(b.Sigmoid(fl))
		var ce *G.Node
		if which != nil {
			ce = b.Mean(b.CrossEntropyWithLogits(gen, which))
		}
		if loss == nil {
			loss, dReal, dFake, genCE = l, r, f, ce
			continue
		}
		loss, dReal, dFake = b.Add(loss, l), b.Add(dReal, r), b.Add(dFake, f)
		if ce != nil {
			genCE = b.Add(genCE, ce)
		}
	}
	return loss, dReal, dFake, genCE
}

// WeightedGeneratorLoss adds GMAN's G objective Σ_k w_k·L_G^k, L_G^k being
// GeneratorLoss on D_k's logits for fake, with w an input of len(discs)
// weights (so no gradient flows into them). It also returns the vector of
// the L_G^k.
func WeightedGeneratorLoss(b *graphs.Builder, discs []Network, fake, w *G.Node) (loss, perDisc *G.Node) {
	loss, perDisc, _ = weightedGeneratorLoss(b, discs, fake, w, nil)
	return loss, perDisc
}

// weightedGeneratorLoss is WeightedGeneratorLoss that also returns, for a
// mixture's choice of generator which (nil for one generator), the sum
// over k of D_k's generator-head cross-entropy on fake.
func weightedGeneratorLoss(b *graphs.Builder, discs []Network, fake, w, which *G.Node) (loss, perDisc, genCE *G.Node) {
	logits := make([]*G.Node, len(discs))
	for i, d := range discs {
		var gen *G.Node
		logits[i], _, gen = discriminateHeads(b, d, fake, nil)
		if which == nil {
			continue
		}
		ce := b.Mean(b.CrossEntropyWithLogits(gen, which))
		if genCE == nil {
			genCE = ce
		} else {
			genCE = b.Add(genCE, ce)
		}
	}
	// [n, K] logits → per-column means: the K losses in one node.
	perDisc = b.Mean(b.BCEWithLogitsConst(b.Concat(1, logits...), 1), 0)
	return b.Sum(b.Mul(perDisc, w)), perDisc, genCE
}
