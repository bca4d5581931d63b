package gan

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// small is a model small enough for finite differences.
var small = Config{Z: 3, Height: 2, Width: 3, GHidden: []int{4}, DHidden: []int{5, 3}, DDropout: -1, DPack: 1, EMA: -1}

// float64Copy returns the model with float64 copies of its parameters.
func float64Copy(t *testing.T, m *Model) (*Model, graphs.Params, graphs.Params) {
	t.Helper()
	g, d := m.Gen.(*MLPGenerator), m.Disc.(*MLPDiscriminator)
	gp, dp := g.Params().ToFloat64(), d.Params().ToFloat64()
	g64, d64 := &MLPGenerator{}, &MLPDiscriminator{Slope: d.Slope, MinibatchStd: d.MinibatchStd, Pack: d.Pack}
	for i := range g.Layers {
		g64.Layers = append(g64.Layers, &graphs.Linear{Weight: gp[2*i], Bias: gp[2*i+1]})
	}
	for i := range d.Layers {
		d64.Layers = append(d64.Layers, &graphs.Linear{Weight: dp[2*i], Bias: dp[2*i+1]})
	}
	return &Model{Config: m.Config, Gen: g64, Disc: d64}, gp, dp
}

func TestLossGradients(t *testing.T) {
	withStd, packed := small, small
	withStd.DMinibatchStd = true
	packed.DPack = 2
	for name, cfg := range map[string]Config{"plain": small, "minibatch std": withStd, "pack 2": packed} {
		t.Run(name, func(t *testing.T) {
			m, err := New(cfg, 3)
			require.NoError(t, err)
			m64, gp, dp := float64Copy(t, m)
			require.NoError(t, testutil.GradCheck(dp, func(b *graphs.Builder) *G.Node {
				real, z := b.Input("real", 4, 6), b.Input("z", 4, 3)
				testutil.FillNormal(t, real, rand.New(rand.NewPCG(1, 1)), 1)
				testutil.FillNormal(t, z, rand.New(rand.NewPCG(2, 2)), 1)
				// as the training step builds it: one stacked pass, or two
				// with minibatch std
				realLogits, fakeLogits, _, _ := m64.discriminatePair(b, real, m64.Gen.Forward(b, z, nil), nil, nil)
				return DiscriminatorLoss(b, realLogits, fakeLogits)
			}, 0, 1e-5), "D loss wrt D")
			require.NoError(t, testutil.GradCheck(gp, func(b *graphs.Builder) *G.Node {
				z := b.Input("z", 4, 3)
				testutil.FillNormal(t, z, rand.New(rand.NewPCG(2, 2)), 1)
				return GeneratorLoss(b, m64.Disc.Forward(b, m64.Gen.Forward(b, z, nil), nil))
			}, 0, 1e-5), "G loss wrt G")
		})
	}
}

// TestStackedDiscriminatorPass: judging the real and the generated batch
// as one stacked batch gives each image the logit it gets on its own.
func TestStackedDiscriminatorPass(t *testing.T) {
	packed, labelled := small, small
	packed.DPack = 2
	labelled.Classes = 3
	for name, cfg := range map[string]Config{"plain": small, "pack 2": packed, "conditional": labelled,
		"dcgan": {Arch: "dcgan", Height: 8, Width: 8, GChannels: []int{4, 2}, DChannels: []int{2, 4}, DPack: 2}} {
		t.Run(name, func(t *testing.T) {
			m, err := New(cfg, 5)
			require.NoError(t, err)
			b := graphs.NewBuilder()
			real, fake := b.Input("real", 4, cfg.Pixels()), b.Input("fake", 4, cfg.Pixels())
			yReal, yFake := m.labelInput(b, "y_real", 4), m.labelInput(b, "y_fake", 4)
			for i, in := range []*G.Node{real, fake, yReal, yFake} {
				if in == nil {
					continue
				}
				rng := rand.New(rand.NewPCG(uint64(i), 1))
				d := graphs.Value(in).Data().([]float32)
				for j := range d {
					d[j] = float32(rng.NormFloat64())
				}
			}
			stackedReal, stackedFake, _, _ := m.discriminatePair(b, real, fake, yReal, yFake)
			results := []*graphs.Result{b.Keep(stackedReal), b.Keep(stackedFake),
				b.Keep(m.Discriminate(b, real, yReal)), b.Keep(m.Discriminate(b, fake, yFake))}
			vm, err := b.Compile()
			require.NoError(t, err)
			require.NoError(t, vm.Run())
			require.NotEmpty(t, results[0].Float32s())
			require.InDeltaSlice(t, results[2].Float32s(), results[0].Float32s(), 1e-5, "real")
			require.InDeltaSlice(t, results[3].Float32s(), results[1].Float32s(), 1e-5, "fake")
			require.NotEqual(t, results[0].Float32s(), results[1].Float32s())
		})
	}
}

// TestLossValues pins the objectives to their definitions on known logits.
func TestLossValues(t *testing.T) {
	b := graphs.NewBuilder()
	real, fake := b.Input("r", 2, 1), b.Input("f", 2, 1)
	copy(graphs.Value(real).Data().([]float32), []float32{2, -1})
	copy(graphs.Value(fake).Data().([]float32), []float32{0.5, -3})
	ld, lg := b.Keep(DiscriminatorLoss(b, real, fake)), b.Keep(GeneratorLoss(b, fake))
	require.NoError(t, b.Err())
	vm := G.NewTapeMachine(b.G)
	require.NoError(t, vm.RunAll())
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	wantD := -(math.Log(sig(2))+math.Log(sig(-1)))/2 - (math.Log(1-sig(0.5))+math.Log(1-sig(-3)))/2
	wantG := -(math.Log(sig(0.5)) + math.Log(sig(-3))) / 2
	require.InDelta(t, wantD, ld.Scalar(), 1e-5)
	require.InDelta(t, wantG, lg.Scalar(), 1e-5)
}

// TestStepMovesDiscriminator: on a fixed batch of real images, D updates
// raise D(x) and lower D(G(z)); and each G update raises D(G(z)) as D
// sees it (measured before and after one G update with D frozen).
func TestStepMovesDiscriminator(t *testing.T) {
	set := datasets.Synthetic(64, 1)
	loader, err := datasets.NewLoader(set, 32, 1, datasets.ScaleSigned)
	require.NoError(t, err)
	batch := make([]float32, 32*28*28)
	require.NoError(t, loader.Fill(0, 0, batch, nil))

	m, err := New(Config{}, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 32}, 1)
	require.NoError(t, err)
	first, err := s.Run(batch, nil)
	require.NoError(t, err)
	var last Losses
	for range 10 {
		last, err = s.Run(batch, nil)
		require.NoError(t, err)
	}
	require.Greater(t, last.DReal, first.DReal+0.05, "D(x) should rise on data it is trained to accept")
	require.Less(t, last.D, first.D, "the D loss should fall")
	require.EqualValues(t, 11, s.OptD.Step)
	require.EqualValues(t, 11, s.OptG.Step)

	// One G update with D's learning rate at zero: D(G(z)) on the same z must rise.
	s.OptD.LR = 0
	noise := *s.Noise
	before, err := s.Run(batch, nil)
	require.NoError(t, err)
	*s.Noise = noise // replay the same z
	after, err := s.Run(batch, nil)
	require.NoError(t, err)
	require.Greater(t, after.DFake, before.DFake, "a G step should make D accept G's samples more")
}

func TestStepRejectsWrongBatch(t *testing.T) {
	m, err := New(Config{}, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 4}, 1)
	require.NoError(t, err)
	_, err = s.Run(make([]float32, 3*784), nil)
	require.ErrorContains(t, err, "4 images")
}

func TestConfigValidation(t *testing.T) {
	for _, c := range []Config{{Arch: "transformer"}, {Z: -1}, {GHidden: []int{0}}} {
		_, err := New(c, 1)
		require.Error(t, err, "%+v", c)
	}
}

// TestCheckpointRoundTrip saves a trained step and rebuilds the model: all
// parameters and optimiser moments come back bit-equal, and the rebuilt
// generator draws the same images.
func TestCheckpointRoundTrip(t *testing.T) {
	withEMA := small
	withEMA.EMA = 0.9
	m, err := New(withEMA, 5)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 4}, 5)
	require.NoError(t, err)
	for range 3 {
		_, err := s.Run(make([]float32, 4*6), nil)
		require.NoError(t, err)
	}
	loaded, err := checkpoints.Load(testutil.SaveFile(t, s, 3))
	require.NoError(t, err)
	m2, err := FromCheckpoint(loaded)
	require.NoError(t, err)
	require.Equal(t, m.Config, m2.Config)
	for i, p := range m.Params() {
		q := m2.Params()[i]
		require.Equal(t, p.Name, q.Name)
		for j, v := range p.Float32s() {
			require.Equal(t, math.Float32bits(v), math.Float32bits(q.Float32s()[j]), "%s[%d]", p.Name, j)
		}
	}
	s2, err := NewStep(m2, TrainConfig{Batch: 4}, 5)
	require.NoError(t, err)
	require.NoError(t, trainer.RestoreOptimizers(loaded, s2.Optimizers()))
	require.Equal(t, s.OptD.M, s2.OptD.M)
	require.Equal(t, s.OptG.V, s2.OptG.V)
	require.Equal(t, s.OptG.Step, s2.OptG.Step)

	a, err := NewGenerator(m).Generate(7, 9)
	require.NoError(t, err)
	b, err := NewGenerator(m2).Generate(7, 9)
	require.NoError(t, err)
	require.Equal(t, a, b)

	// A checkpoint of another architecture is refused with the tensor named.
	other, err := New(Config{Z: 3, Height: 2, Width: 3, GHidden: []int{5}, DHidden: []int{5, 3}, EMA: 0.9}, 1)
	require.NoError(t, err)
	require.ErrorContains(t, loaded.LoadParams(Kind, other.Params()), "gen.fc1.weight")
	loaded.Meta.Kind = "vae"
	_, err = FromCheckpoint(loaded)
	require.ErrorContains(t, err, "vae")
}

// TestGeneratorConcurrent draws from one Generator in many goroutines (run
// with -race) and checks each result equals the sequential one.
func TestGeneratorConcurrent(t *testing.T) {
	for _, cfg := range []Config{{}, {Arch: "sagan", GChannels: []int{8, 8}, DChannels: []int{8, 8}}} {
		t.Run(Config.WithDefaults(cfg).Arch, func(t *testing.T) { testGeneratorConcurrent(t, cfg) })
	}
}

// testGeneratorConcurrent: the convolutional generators' ops keep buffers
// and split work over goroutines, so they are run here too.
func testGeneratorConcurrent(t *testing.T, cfg Config) {
	m, err := New(cfg, 2)
	require.NoError(t, err)
	g := NewGenerator(m)
	want := make([][]float32, 8)
	for i := range want {
		want[i], err = g.Generate(130, uint64(i))
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	got := make([][]float32, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = g.Generate(130, uint64(i))
		}()
	}
	wg.Wait()
	for i := range 8 {
		require.NoError(t, errs[i])
		require.Equal(t, want[i], got[i], "goroutine %d", i)
	}
	for _, v := range want[0] {
		require.True(t, v >= 0 && v <= 1, "pixel %v outside [0,1]", v)
	}
	_, err = g.FromNoise(make([]float32, 7), nil)
	require.Error(t, err)
}

// TestEMAGenerator: the averaged generator trails G, and sampling uses it.
func TestEMAGenerator(t *testing.T) {
	cfg := small
	cfg.EMA = 0.99
	m, err := New(cfg, 4)
	require.NoError(t, err)
	require.Equal(t, "gen_ema.fc1.weight", m.GenEMA.Params()[0].Name)
	s, err := NewStep(m, TrainConfig{Batch: 4}, 4)
	require.NoError(t, err)
	for range 5 {
		_, err := s.Run(make([]float32, 4*6), nil)
		require.NoError(t, err)
	}
	require.EqualValues(t, 5, s.EMA.Updates)
	g, avg := m.Gen.Params()[0].Float32s(), m.GenEMA.Params()[0].Float32s()
	require.NotEqual(t, g, avg, "the average lags the trained weights")

	fromAvg, err := NewGenerator(m).Generate(3, 1)
	require.NoError(t, err)
	plain := &Model{Config: m.Config, Gen: m.Gen, Disc: m.Disc}
	fromG, err := NewGenerator(plain).Generate(3, 1)
	require.NoError(t, err)
	require.NotEqual(t, fromG, fromAvg, "sampling must use the averaged weights")
}

// TestStepRejectsPixelScale: a GAN takes pixels in [-1, 1], the range of
// its generator's tanh; images in [0, 255] would train D on a shift alone.
func TestStepRejectsPixelScale(t *testing.T) {
	m, err := New(Config{Z: 2, GHidden: []int{8}, DHidden: []int{8}, Height: 4, Width: 4}, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	images := make([]float32, 2*16)
	images[3] = 2
	_, err = s.Run(images, nil)
	require.ErrorContains(t, err, "pixel 3 of image 0 is 2, outside the model's scale [-1, 1]")
	images[3] = -1
	_, err = s.Run(images, nil)
	require.NoError(t, err)
}
