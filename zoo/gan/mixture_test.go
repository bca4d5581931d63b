package gan

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// TestMixtureLinearRows: each row goes through the layer of its
// generator, and nowhere else.
func TestMixtureLinearRows(t *testing.T) {
	m := newMixtureLinear("gen", "fc1", 3, 4, 5, rand.New(rand.NewPCG(1, 1)))
	rows := []int{2, 0, 1, 2}
	b := graphs.NewBuilder()
	x, which := b.Input("x", 4, 4), b.Input("which", 4, 3)
	testutil.FillNormal(t, x, rand.New(rand.NewPCG(2, 2)), 1)
	setOneHot(which, rows, 3)
	mixed := b.Keep(m.Forward(b, x, which))
	var each []*graphs.Result
	for _, l := range m.Layers {
		each = append(each, b.Keep(l.Forward(b, x)))
	}
	vm, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, vm.Run())
	for i, g := range rows {
		require.InDeltaSlice(t, each[g].Float32s()[i*5:(i+1)*5], mixed.Float32s()[i*5:(i+1)*5], 1e-5, "row %d, generator %d", i, g)
	}
}

// mixtureConfigs are small mixtures of two generators: MLP (single
// images and pairs), conditional, with two discriminators, DCGAN and
// SAGAN (the generator head spectrally normalised).
var mixtureConfigs = map[string]Config{
	"mlp":                  func() Config { c := small; c.Generators = 2; return c }(),
	"mlp pack 2":           func() Config { c := small; c.Generators, c.DPack = 2, 2; return c }(),
	"mlp 3 generators":     func() Config { c := small; c.Generators = 3; return c }(),
	"conditional mlp":      func() Config { c := smallCond; c.Generators = 2; return c }(),
	"mlp 2 discriminators": func() Config { c := small; c.Generators, c.Discriminators = 2, 2; return c }(),
	"dcgan":                func() Config { c := tinyConv("dcgan"); c.Generators = 2; return c }(),
	"conditional dcgan":    func() Config { c := tinyConv("dcgan"); c.Generators, c.Classes = 2, 3; return c }(),
	"sagan":                func() Config { c := tinyConv("sagan"); c.Generators = 2; return c }(),
}

// TestMGANLossGradients checks the gradients of the whole D and G
// objectives of a mixture, the generator head's cross-entropy and β times
// it included (β is large here, so that its term counts), against
// float64 finite differences.
func TestMGANLossGradients(t *testing.T) {
	for name, cfg := range mixtureConfigs {
		t.Run(name, func(t *testing.T) {
			cfg.MGANBeta = 0.7
			m, err := New(cfg, 3)
			require.NoError(t, err)
			toFloat64(m)
			const batch = 4
			inputs := func(b *graphs.Builder) (real, z, yReal, yFake, which, w *G.Node) {
				real, z = b.Input("real", batch, m.Config.Pixels()), b.Input("z", batch, m.Config.Z)
				testutil.FillNormal(t, real, rand.New(rand.NewPCG(1, 1)), 0.5)
				testutil.FillNormal(t, z, rand.New(rand.NewPCG(2, 2)), 1)
				if m.Config.Classes > 0 {
					yReal, yFake = b.Input("real_y", batch, m.Config.Classes), b.Input("fake_y", batch, m.Config.Classes)
					setOneHot(yReal, []int{0, 2, 1, 1}, m.Config.Classes)
					setOneHot(yFake, []int{1, 0, 2, 0}, m.Config.Classes)
				}
				if len(m.Discs) > 0 {
					w = b.Input("w", len(m.Discs))
					copy(graphs.Value(w).Data().([]float64), []float64{0.3, 0.7})
				}
				return real, z, yReal, yFake, m.whichInput(b, batch), w
			}
			require.NoError(t, testutil.GradCheck(m.DiscParams().Trainable(), func(b *graphs.Builder) *G.Node {
				real, z, yReal, yFake, which, _ := inputs(b)
				return m.discObjective(b, real, z, yReal, yFake, which).loss
			}, 40, 1e-5), "D objective wrt D")
			require.NoError(t, testutil.GradCheck(m.Gen.Params().Trainable(), func(b *graphs.Builder) *G.Node {
				_, z, _, yFake, which, w := inputs(b)
				return m.genObjective(b, z, yFake, which, w).loss
			}, 40, 1e-5), "G objective wrt G")
		})
	}
}

// TestMGANLossValues pins the objectives: D adds each discriminator's
// cross-entropy of its generator head on the fakes, G adds β times their
// mean; the head's cross-entropy is the mean over images of
// −log softmax(head)[generator].
func TestMGANLossValues(t *testing.T) {
	for _, discs := range []int{1, 2} {
		cfg := small
		cfg.Generators, cfg.Discriminators, cfg.MGANBeta = 2, discs, 0.25
		m, err := New(cfg, 5)
		require.NoError(t, err)
		b := graphs.NewBuilder()
		real, z := b.Input("real", 4, m.Config.Pixels()), b.Input("z", 4, m.Config.Z)
		testutil.FillNormal(t, real, rand.New(rand.NewPCG(1, 1)), 0.5)
		testutil.FillNormal(t, z, rand.New(rand.NewPCG(2, 2)), 1)
		which := m.whichInput(b, 4)
		var w *G.Node
		if discs > 1 {
			w = b.Input("w", discs)
			copy(graphs.Value(w).Data().([]float32), []float32{0.5, 0.5})
		}
		d, g := m.discObjective(b, real, z, nil, nil, which), m.genObjective(b, z, nil, which, w)
		fake := m.GenerateMix(b, m.Gen, z, nil, which)
		var heads []*graphs.Result
		for _, disc := range m.Discriminators() {
			_, gen := disc.(*MLPDiscriminator).ForwardHeads(b, fake, nil)
			heads = append(heads, b.Keep(gen))
		}
		dl, da, dc, gl, ga := b.Keep(d.loss), b.Keep(d.adversarial), b.Keep(d.genCE), b.Keep(g.loss), b.Keep(g.adversarial)
		vm, err := b.Compile()
		require.NoError(t, err)
		require.NoError(t, vm.Run())
		var ce float64
		for _, h := range heads {
			logits := h.Float32s()
			for i, gen := range blockChoice(4, 2) {
				a, c := float64(logits[2*i]), float64(logits[2*i+1])
				top := max(a, c)
				lse := top + math.Log(math.Exp(a-top)+math.Exp(c-top))
				ce -= (float64(logits[2*i+gen]) - lse) / 4
			}
		}
		ce /= float64(discs)
		require.InDelta(t, ce, dc.Scalar(), 1e-5, "%d discriminators: head cross-entropy", discs)
		require.InDelta(t, float64(discs)*(da.Scalar()+ce), dl.Scalar(), 1e-4, "%d discriminators: D loss", discs)
		require.InDelta(t, ga.Scalar()+0.25*ce, gl.Scalar(), 1e-5, "%d discriminators: G loss", discs)
	}
}

// TestMGANParams: one generator keeps its names; a mixture has one first
// layer per generator (<net>.g.<k>.…, in the averaged generator too) and
// shares the rest, and each discriminator gains a generator head.
func TestMGANParams(t *testing.T) {
	cfg := small
	cfg.EMA = 0.9
	one, err := New(cfg, 7)
	require.NoError(t, err)
	cfg.Generators = 1
	alsoOne, err := New(cfg, 7)
	require.NoError(t, err)
	require.Equal(t, one.Config, alsoOne.Config, "-generators 1 is the classic GAN")
	require.Equal(t, testutil.Names(one.Params()), testutil.Names(alsoOne.Params()))

	cfg.Generators, cfg.Discriminators = 3, 2
	m, err := New(cfg, 7)
	require.NoError(t, err)
	require.Equal(t, []string{
		"gen.g.0.fc1.weight", "gen.g.0.fc1.bias", "gen.g.1.fc1.weight", "gen.g.1.fc1.bias", "gen.g.2.fc1.weight", "gen.g.2.fc1.bias",
		"gen.fc2.weight", "gen.fc2.bias",
	}, testutil.Names(m.Gen.Params()))
	require.Equal(t, "gen_ema.g.2.fc1.bias", m.GenEMA.Params()[5].Name)
	for _, d := range []string{"disc1", "disc2"} {
		require.Contains(t, testutil.Names(m.DiscParams()), d+".gen_head.weight")
	}
	require.Equal(t, []int{3, small.DHidden[len(small.DHidden)-1]}, []int(m.Discs[0].(*MLPDiscriminator).GenHead.Weight.Shape()))

	conv := tinyConv("sagan")
	conv.Generators, conv.DPack = 2, 2
	c, err := New(conv, 7)
	require.NoError(t, err)
	names := testutil.Names(c.Params())
	require.Equal(t, []string{"gen.g.0.fc.weight", "gen.g.0.fc.bias", "gen.g.1.fc.weight", "gen.g.1.fc.bias", "gen.conv1.weight"}, names[:5])
	require.Contains(t, names, "disc.gen_head.weight_u", "SAGAN normalises the head spectrally")
	require.Equal(t, 2*2, c.Disc.(*ConvDiscriminator).GenHead.Weight.Shape()[0], "two generators' logits per image of a pair")
	require.NotContains(t, names, "gen.fc.weight")
}

func TestMGANConfigValidation(t *testing.T) {
	for _, c := range []Config{{Generators: -1}, {Generators: 65}, {Generators: 2, MGANBeta: math.NaN()}, {Generators: 2, MGANBeta: math.Inf(1)}} {
		_, err := New(c, 1)
		require.Error(t, err, "%+v", c)
	}
	m, err := New(Config{Generators: 2}, 1)
	require.NoError(t, err)
	require.Equal(t, defaultMGANBeta, m.Config.MGANBeta)
	m, err = New(Config{Generators: 2, MGANBeta: -1}, 1)
	require.NoError(t, err)
	require.Equal(t, -1.0, m.Config.MGANBeta, "a negative β asks for none")
	_, err = NewStep(m, TrainConfig{Batch: 1}, 1)
	require.ErrorContains(t, err, "gives some of the 2 generators no images")
}

// TestMixtureSampling: Generate draws each image with one generator
// chosen by its latent vector, about evenly; Component(k) draws the same
// latent points with generator k alone.
func TestMixtureSampling(t *testing.T) {
	cfg := small
	cfg.Generators = 3
	m, err := New(cfg, 2)
	require.NoError(t, err)
	g := NewGenerator(m)
	const n = 300
	mixed, err := g.Generate(n, 4)
	require.NoError(t, err)
	again, err := g.Generate(n, 4)
	require.NoError(t, err)
	require.Equal(t, mixed, again, "one seed, one draw")
	z, _, err := g.Draws(n, 4, -1)
	require.NoError(t, err)
	px := m.Config.Pixels()
	counts := make([]int, 3)
	for k := range 3 {
		c, err := g.Component(k)
		require.NoError(t, err)
		only, err := c.Generate(n, 4)
		require.NoError(t, err)
		for i := range n {
			if componentOf(z[i*m.Config.Z:(i+1)*m.Config.Z], 3) == k {
				counts[k]++
				require.Equal(t, only[i*px:(i+1)*px], mixed[i*px:(i+1)*px], "image %d is generator %d's", i, k)
			}
		}
	}
	for k, c := range counts {
		require.InDelta(t, n/3, c, 30, "generator %d draws about a third of the images", k)
	}
	_, err = g.Component(3)
	require.Error(t, err)
	_, err = NewGenerator(m).Component(-1)
	require.Error(t, err)
}

// TestMGANCheckpointRoundTrip: a mixture saved and rebuilt comes back
// bit-equal, with K and β in its config, draws the same images, and
// resumes exactly.
func TestMGANCheckpointRoundTrip(t *testing.T) {
	cfg := small
	cfg.Generators, cfg.MGANBeta, cfg.EMA = 2, 0.5, 0.9
	m, err := New(cfg, 5)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 4}, 5)
	require.NoError(t, err)
	real := make([]float32, 4*6)
	for range 3 {
		_, err := s.Run(real, nil)
		require.NoError(t, err)
	}
	path := testutil.SaveFile(t, s, 3)
	loaded, err := checkpoints.Load(path)
	require.NoError(t, err)
	require.Contains(t, string(loaded.Meta.Config), `"generators":2`)
	require.Contains(t, string(loaded.Meta.Config), `"mgan_beta":0.5`)

	m2, err := FromCheckpoint(loaded)
	require.NoError(t, err)
	require.Equal(t, m.Config, m2.Config)
	require.Equal(t, testutil.Names(m.Params()), testutil.Names(m2.Params()))
	for i, p := range m.Params() {
		require.Equal(t, p.Float32s(), m2.Params()[i].Float32s(), p.Name)
	}
	want, err := NewGenerator(m).Generate(20, 3)
	require.NoError(t, err)
	g, err := LoadGenerator(path)
	require.NoError(t, err)
	got, err := g.Generate(20, 3)
	require.NoError(t, err)
	require.Equal(t, want, got)

	s2, err := NewStep(m2, TrainConfig{Batch: 4}, 99)
	require.NoError(t, err)
	_, err = trainer.Resume(loaded, s2)
	require.NoError(t, err)
	a, err := s.Run(real, nil)
	require.NoError(t, err)
	b, err := s2.Run(real, nil)
	require.NoError(t, err)
	require.Equal(t, a, b, "the resumed step must continue exactly")
	require.NotZero(t, a.C, "a mixture reports its head's cross-entropy")
}

// TestMixtureCoversTwoModes trains mixtures of two tiny MLP generators
// on points of two well-separated modes, (−0.6, −0.6) and (0.6, 0.6) with
// a little noise, and requires each generator to draw nearly all of its
// samples in one mode, a different mode for each, with β = 1 on three
// seeds: the generator head's term pushes the two apart, and the
// adversarial term makes them cover the data between them. Without the
// term (β none) the same runs do not all separate.
func TestMixtureCoversTwoModes(t *testing.T) {
	separated := 0
	for seed := uint64(1); seed <= 3; seed++ {
		modes, shares := trainTwoModes(t, 1, seed)
		t.Logf("β 1, seed %d: modes %v, shares %v of %d", seed, modes, shares, twoModeSamples)
		for k, share := range shares {
			require.GreaterOrEqual(t, share, 9*twoModeSamples/10, "seed %d, generator %d: %d of %d samples in its main mode", seed, k, share, twoModeSamples)
		}
		require.NotEqual(t, modes[0], modes[1], "seed %d: the two generators cover different modes", seed)

		modes, shares = trainTwoModes(t, -1, seed)
		t.Logf("β none, seed %d: modes %v, shares %v of %d", seed, modes, shares, twoModeSamples)
		if modes[0] != modes[1] && min(shares[0], shares[1]) >= 9*twoModeSamples/10 {
			separated++
		}
	}
	require.Less(t, separated, 3, "without the generator head's term the generators separated on every seed: the test shows nothing")
}

const twoModeSamples = 200

// trainTwoModes trains the mixture of TestMixtureCoversTwoModes for 400
// steps with β and seed, and returns the mode (0 lower, 1 upper) most of
// each generator's samples fall in and how many of them do.
func trainTwoModes(t *testing.T, beta float64, seed uint64) (modes, shares [2]int) {
	cfg := Config{Z: 2, Height: 1, Width: 2, GHidden: []int{16}, DHidden: []int{16}, DDropout: -1, DPack: 1, EMA: -1, Generators: 2, MGANBeta: beta}
	m, err := New(cfg, seed)
	require.NoError(t, err)
	const batch = 32
	s, err := NewStep(m, TrainConfig{Batch: batch, LR: 2e-3}, seed)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(3, seed))
	real := make([]float32, 2*batch)
	for range 400 {
		for i := range batch {
			centre := float32(0.6)
			if rng.IntN(2) == 0 {
				centre = -0.6
			}
			real[2*i], real[2*i+1] = centre+float32(0.05*rng.NormFloat64()), centre+float32(0.05*rng.NormFloat64())
		}
		_, err := s.Run(real, nil)
		require.NoError(t, err)
	}
	g := NewGenerator(m)
	for k := range 2 {
		c, err := g.Component(k)
		require.NoError(t, err)
		imgs, err := c.Generate(twoModeSamples, 9)
		require.NoError(t, err)
		upper := 0 // samples nearer (0.6, 0.6), which is (0.8, 0.8) in [0, 1]
		for i := range twoModeSamples {
			if imgs[2*i]+imgs[2*i+1] > 1 {
				upper++
			}
		}
		if upper > twoModeSamples/2 {
			modes[k] = 1
		}
		shares[k] = max(upper, twoModeSamples-upper)
	}
	return modes, shares
}

// TestMixturePreviews: generator k draws the k-th block of the preview
// grid, its rows, from the grid's fixed noise.
func TestMixturePreviews(t *testing.T) {
	cfg := small
	cfg.Generators = 4
	m, err := New(cfg, 2)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 8}, 2)
	require.NoError(t, err)
	ps, err := s.Previews()
	require.NoError(t, err)
	px, zdim := m.Config.Pixels(), m.Config.Z
	for k := range 4 {
		c, err := NewGenerator(m).Component(k)
		require.NoError(t, err)
		block, err := c.FromNoise(s.previewNoise[k*16*zdim:(k+1)*16*zdim], nil)
		require.NoError(t, err)
		require.Equal(t, block, ps[0].Images[k*16*px:(k+1)*16*px], "generator %d draws rows %d and %d", k, 2*k, 2*k+1)
	}
}
