package gan

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// disc64 returns a float64 copy of d and its parameters.
func disc64(d *MLPDiscriminator) (*MLPDiscriminator, graphs.Params) {
	ps := d.Params().ToFloat64()
	c := &MLPDiscriminator{Slope: d.Slope, MinibatchStd: d.MinibatchStd, Pack: d.Pack}
	for i := range d.Layers {
		c.Layers = append(c.Layers, &graphs.Linear{Weight: ps[2*i], Bias: ps[2*i+1]})
	}
	return c, ps
}

func TestGMANLossGradients(t *testing.T) {
	packed := small
	packed.DPack = 2
	for name, cfg := range map[string]Config{"plain": small, "pack 2": packed} {
		t.Run(name, func(t *testing.T) {
			cfg.Discriminators = 2
			m, err := New(cfg, 3)
			require.NoError(t, err)
			require.Len(t, m.Discs, 2)
			g := m.Gen.(*MLPGenerator)
			gp := g.Params().ToFloat64()
			g64 := &MLPGenerator{}
			for i := range g.Layers {
				g64.Layers = append(g64.Layers, &graphs.Linear{Weight: gp[2*i], Bias: gp[2*i+1]})
			}
			var discs []Network
			var dp graphs.Params
			for _, d := range m.Discs {
				d64, ps := disc64(d.(*MLPDiscriminator))
				discs = append(discs, d64)
				dp = append(dp, ps...)
			}
			require.NoError(t, testutil.GradCheck(dp, func(b *graphs.Builder) *G.Node {
				real, z := b.Input("real", 4, 6), b.Input("z", 4, 3)
				testutil.FillNormal(t, real, rand.New(rand.NewPCG(1, 1)), 1)
				testutil.FillNormal(t, z, rand.New(rand.NewPCG(2, 2)), 1)
				loss, _, _ := MultiDiscriminatorLoss(b, discs, real, g64.Forward(b, z, nil))
				return loss
			}, 0, 1e-5), "D loss wrt both Ds")
			require.NoError(t, testutil.GradCheck(gp, func(b *graphs.Builder) *G.Node {
				z, w := b.Input("z", 4, 3), b.Input("w", 2)
				testutil.FillNormal(t, z, rand.New(rand.NewPCG(2, 2)), 1)
				copy(graphs.Value(w).Data().([]float64), []float64{0.3, 0.7})
				loss, _ := WeightedGeneratorLoss(b, discs, g64.Forward(b, z, nil), w)
				return loss
			}, 0, 1e-5), "weighted G loss wrt G")
		})
	}
}

// TestWeightedGeneratorLossValue pins the G objective to Σ w_k·L_G^k.
func TestWeightedGeneratorLossValue(t *testing.T) {
	cfg := small
	cfg.Discriminators = 2
	m, err := New(cfg, 4)
	require.NoError(t, err)
	b := graphs.NewBuilder()
	z, w := b.Input("z", 4, 3), b.Input("w", 2)
	copy(graphs.Value(w).Data().([]float32), []float32{0.25, 0.75})
	fake := m.Gen.Forward(b, z, nil)
	loss, per := WeightedGeneratorLoss(b, m.Discs, fake, w)
	l0, l1 := GeneratorLoss(b, m.Discs[0].Forward(b, fake, nil)), GeneratorLoss(b, m.Discs[1].Forward(b, fake, nil))
	kl, kp, k0, k1 := b.Keep(loss), b.Keep(per), b.Keep(l0), b.Keep(l1)
	vm, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, vm.Run())
	require.InDelta(t, k0.Scalar(), float64(kp.Float32s()[0]), 1e-6)
	require.InDelta(t, k1.Scalar(), float64(kp.Float32s()[1]), 1e-6)
	require.InDelta(t, 0.25*k0.Scalar()+0.75*k1.Scalar(), kl.Scalar(), 1e-6)
}

func TestGMANParamNames(t *testing.T) {
	cfg := small
	cfg.EMA = 0.9
	one, err := New(cfg, 7)
	require.NoError(t, err)
	cfg.Discriminators = 3
	m, err := New(cfg, 7)
	require.NoError(t, err)
	require.Nil(t, m.Disc)
	require.Len(t, m.Discriminators(), 3)
	names := testutil.Names(m.DiscParams())
	var want []string
	for _, d := range []string{"disc1", "disc2", "disc3"} {
		for _, l := range []string{"fc1", "fc2", "fc3"} {
			want = append(want, d+"."+l+".weight", d+"."+l+".bias")
		}
	}
	require.Equal(t, want, names)
	for _, p := range m.Params() {
		require.False(t, strings.HasPrefix(p.Name, "disc."), p.Name)
	}
	// The extra discriminators are drawn last: G, its average and disc1
	// start exactly as the one-discriminator model's G, average and D.
	require.Equal(t, one.Gen.Params()[0].Float32s(), m.Gen.Params()[0].Float32s())
	require.Equal(t, one.GenEMA.Params()[0].Float32s(), m.GenEMA.Params()[0].Float32s())
	require.Equal(t, one.Disc.Params()[0].Float32s(), m.Discs[0].Params()[0].Float32s())
	require.NotEqual(t, m.Discs[0].Params()[0].Float32s(), m.Discs[1].Params()[0].Float32s())
}

func TestGMANConfigValidation(t *testing.T) {
	for _, c := range []Config{{Discriminators: -1}, {Discriminators: 2, GMANLambda: -1}, {Discriminators: 2, GMANLambda: math.NaN()}, {Discriminators: 2, Classes: 10}} {
		_, err := New(c, 1)
		require.Error(t, err, "%+v", c)
	}
}

func TestGMANWeights(t *testing.T) {
	require.Equal(t, []float64{0.25, 0.25, 0.25, 0.25}, GMANWeights([]float64{1, 2, 3, 4}, 4, 0))
	require.Equal(t, []float64{0.5, 0.5}, GMANWeights(nil, 2, 3), "no previous step: uniform")
	w := GMANWeights([]float64{0.5, 2, 1}, 3, 1)
	require.Greater(t, w[1], w[2])
	require.Greater(t, w[2], w[0])
	require.InDelta(t, 1, w[0]+w[1]+w[2], 1e-12)
	require.InDelta(t, math.Exp(2)/(math.Exp(0.5)+math.Exp(2)+math.Exp(1)), w[1], 1e-12)
	// A larger λ moves the weight further towards the largest loss, and
	// huge λ·L neither overflows nor yields NaN.
	require.Greater(t, GMANWeights([]float64{0.5, 2, 1}, 3, 5)[1], w[1])
	big := GMANWeights([]float64{1000, 2000}, 2, 1e6)
	require.InDelta(t, 1, big[1], 1e-12)
	require.False(t, math.IsNaN(big[0]))
}

// TestGMANStep: a step with three discriminators updates every one of them.
func TestGMANStep(t *testing.T) {
	cfg := small
	cfg.Discriminators, cfg.GMANLambda, cfg.DDropout, cfg.DPack, cfg.EMA = 3, 1, 0.3, 2, 0.9
	m, err := New(cfg, 2)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 4}, 2)
	require.NoError(t, err)
	require.Len(t, s.OptD.M, len(m.DiscParams()), "one Adam over every D")
	before := make([][]float32, 3)
	for i, d := range m.Discs {
		before[i] = append([]float32(nil), d.Params()[0].Float32s()...)
	}
	gBefore := append([]float32(nil), m.Gen.Params()[0].Float32s()...)
	real := make([]float32, 4*6)
	for i := range real {
		real[i] = float32(i%3) - 1
	}
	for range 3 {
		l, err := s.Run(real, nil)
		require.NoError(t, err)
		for _, v := range []float64{l.D, l.G, l.DReal, l.DFake} {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "%+v", l)
		}
		require.Len(t, s.prevG, 3)
		// L_G is the weighted mean of the per-D losses, so it lies between them.
		require.GreaterOrEqual(t, l.G, min(s.prevG[0], s.prevG[1], s.prevG[2])-1e-6)
		require.LessOrEqual(t, l.G, max(s.prevG[0], s.prevG[1], s.prevG[2])+1e-6)
	}
	for i, d := range m.Discs {
		require.NotEqual(t, before[i], d.Params()[0].Float32s(), "disc%d did not move", i+1)
	}
	require.NotEqual(t, gBefore, m.Gen.Params()[0].Float32s())
}

// TestGMANCheckpointRoundTrip: a three-discriminator run saved and rebuilt
// comes back bit-equal, and resuming continues exactly as the original.
func TestGMANCheckpointRoundTrip(t *testing.T) {
	cfg := small
	cfg.Discriminators, cfg.GMANLambda = 3, 2
	m, err := New(cfg, 5)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 4}, 5)
	require.NoError(t, err)
	real := make([]float32, 4*6)
	for range 3 {
		_, err := s.Run(real, nil)
		require.NoError(t, err)
	}
	loaded, err := checkpoints.Load(testutil.SaveFile(t, s, 3))
	require.NoError(t, err)

	m2, err := FromCheckpoint(loaded)
	require.NoError(t, err)
	require.Equal(t, m.Config, m2.Config)
	require.Len(t, m2.Discs, 3)
	require.Len(t, m2.Params(), len(m.Params()))
	for i, p := range m.Params() {
		q := m2.Params()[i]
		require.Equal(t, p.Name, q.Name)
		require.Equal(t, p.Float32s(), q.Float32s(), p.Name)
	}
	s2, err := NewStep(m2, TrainConfig{Batch: 4}, 99)
	require.NoError(t, err)
	_, err = trainer.Resume(loaded, s2)
	require.NoError(t, err)
	require.Equal(t, s.prevG, s2.prevG)
	a, err := s.Run(real, nil)
	require.NoError(t, err)
	b, err := s2.Run(real, nil)
	require.NoError(t, err)
	require.Equal(t, a, b, "the resumed step must continue exactly")
}
