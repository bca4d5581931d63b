package diffusion

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// tinyConfig is a small model on 28×28 images with few steps.
func tinyConfig(classes int) Config {
	return Config{T: 20, UNet: smallUNet(28, 28, classes), EMA: 0.9}
}

// newTiny returns a small model whose network and average have random
// weights: a fresh U-Net predicts ε̂ = 0 everywhere (its last layer starts
// at zero), which would hide the label and the average.
func newTiny(t *testing.T, classes int, seed uint64) *Model {
	m, err := New(tinyConfig(classes), seed)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(seed, 99))
	for _, p := range m.Params() {
		for i := range p.Float32s() {
			p.Float32s()[i] = float32(0.2 * rng.NormFloat64())
		}
	}
	return m
}

func TestSampleReproducible(t *testing.T) {
	ctx := context.Background()
	for _, classes := range []int{0, 3} {
		s := NewSampler(newTiny(t, classes, 1))
		cases := []SampleConfig{{Steps: 5, Eta: -1}, {Steps: 4}, {Method: DDPM}, {Steps: 5, Guidance: 2}}
		for _, sc := range cases {
			a, err := s.Sample(ctx, 3, 7, -1, sc)
			require.NoError(t, err)
			b, err := s.Sample(ctx, 3, 7, -1, sc)
			require.NoError(t, err)
			require.Equal(t, a, b, "same seed, same images: %+v", sc)
			for _, v := range a {
				require.True(t, v >= 0 && v <= 1, "pixel %v outside [0, 1]", v)
			}
			other, err := s.Sample(ctx, 3, 8, -1, sc)
			require.NoError(t, err)
			require.NotEqual(t, a, other)
			if sc.Eta == 0 { // η = 1
				// More images at once, across two batches of other sizes:
				// the first three are the same.
				many, err := s.Sample(ctx, SampleBatch+2, 7, -1, sc)
				require.NoError(t, err)
				require.Equal(t, a, many[:len(a)], "%+v", sc)
			}
			one, err := s.Sample(ctx, 1, 7, -1, sc)
			require.NoError(t, err)
			require.Equal(t, a[:len(one)], one, "%+v", sc)
		}
		if classes > 0 {
			a, err := s.Sample(ctx, 4, 7, 2, SampleConfig{Steps: 3})
			require.NoError(t, err)
			b, err := s.Sample(ctx, 4, 7, 1, SampleConfig{Steps: 3})
			require.NoError(t, err)
			require.NotEqual(t, a, b, "classes 1 and 2 give the same images")
			_, err = s.Sample(ctx, 1, 7, 3, SampleConfig{})
			require.Error(t, err)
		} else {
			_, err := s.Sample(ctx, 1, 7, 0, SampleConfig{})
			require.ErrorContains(t, err, "not class-conditional")
		}
	}
}

func TestSampleConcurrentAndCancelled(t *testing.T) {
	s := NewSampler(newTiny(t, 0, 1))
	want, err := s.Sample(context.Background(), 2, 3, -1, SampleConfig{Steps: 3})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := s.Sample(context.Background(), 2, 3, -1, SampleConfig{Steps: 3})
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}
	wg.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.Sample(ctx, 2, 3, -1, SampleConfig{Steps: 3})
	require.ErrorIs(t, err, context.Canceled)
}

// TestGuidance requires the guided prediction with w = 0 to be the
// conditional network's output, and with w > 0 to be (1+w)·ε(x, y) −
// w·ε(x, ∅), both computed by a graph of their own.
func TestGuidance(t *testing.T) {
	m := newTiny(t, 3, 1) // its network and average differ, so which one samples matters
	s := NewSampler(m)
	e, err := s.build(3)
	require.NoError(t, err)
	predict := s.predict(e)
	const k, step = 3, 11
	pixels := m.Config.Pixels()
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, k*pixels)
	graphs.FillNormal(x, rng)
	labels := []int{0, 2, 1}

	// The reference: the averaged network run on its own graph.
	b := graphs.NewBuilder()
	xin, temb, y := b.Input("x", k, pixels), b.Input("temb", k, m.Config.UNet.TimeDim), b.Input("y", k, 3)
	out := b.Keep(m.NetEMA.Forward(b, xin, temb, y))
	vm, err := b.Compile()
	require.NoError(t, err)
	copy(graphs.Value(xin).Data().([]float32), x)
	TimestepEmbedding([]int{step, step, step}, m.Config.UNet.TimeDim, graphs.Value(temb).Data().([]float32))
	require.NoError(t, graphs.OneHot(graphs.Value(y).Data().([]float32), labels, 3))
	require.NoError(t, vm.Run())
	cond := append([]float32(nil), out.Float32s()...)
	clear(graphs.Value(y).Data().([]float32))
	require.NoError(t, vm.Run())
	uncond := append([]float32(nil), out.Float32s()...)
	require.NotEqual(t, cond, uncond)

	got := make([]float32, k*pixels)
	require.NoError(t, predict(x, k, step, labels, 0, got))
	require.InDeltaSlice(t, cond, got, 1e-5, "w = 0 is the conditional prediction")
	const w = 2.5
	require.NoError(t, predict(x, k, step, labels, w, got))
	for i := range got {
		require.InDelta(t, (1+w)*float64(cond[i])-w*float64(uncond[i]), float64(got[i]), 1e-4)
	}
}

// TestLabelDrop requires labels to be replaced by the null label about
// CondDrop of the time.
func TestLabelDrop(t *testing.T) {
	cfg := tinyConfig(3)
	cfg.CondDrop = 0.5
	m, err := New(cfg, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	images := make([]float32, 8*m.Config.Pixels())
	labels := []int{0, 1, 2, 0, 1, 2, 0, 1}
	dropped := 0
	const steps = 40
	for range steps {
		_, err := s.Run(images, labels)
		require.NoError(t, err)
		y := graphs.Value(s.y).Data().([]float32)
		for i, l := range labels {
			row := y[i*3 : (i+1)*3]
			switch {
			case row[0] == 0 && row[1] == 0 && row[2] == 0:
				dropped++
			default:
				require.EqualValues(t, 1, row[l])
			}
		}
	}
	// 320 draws with p = 0.5: the standard deviation is about 9.
	require.InDelta(t, 160, dropped, 40)
	_, err = s.Run(images, nil)
	require.Error(t, err, "a conditional model needs labels")
	bad := append([]float32(nil), images...)
	bad[0] = 2
	_, err = s.Run(bad, labels)
	require.Error(t, err, "pixels outside [-1, 1]")
}

// TestLossFalls trains a small network on a toy data set of two-pixel
// images drawn from a Gaussian: the loss of the last steps must be well
// below that of the first.
func TestLossFalls(t *testing.T) {
	cfg := Config{T: 100, UNet: UNetConfig{Height: 1, Width: 2, TimeDim: 16, Channels: []int{8}}, EMA: -1}
	cfg = cfg.WithDefaults()
	net := newToyNet("unet", 2, 16, 0, 64, rand.New(rand.NewPCG(1, 2)))
	m, err := NewWith(cfg, net, nil)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 64, LR: 3e-3}, 1)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(3, 3))
	images := make([]float32, 64*2)
	var first, last float64
	const steps = 300
	for i := range steps {
		for j := range images {
			images[j] = float32(min(max(0.3+0.1*rng.NormFloat64(), -1), 1))
		}
		l, err := s.Run(images, nil)
		require.NoError(t, err)
		if i < 20 {
			first += l / 20
		}
		if i >= steps-20 {
			last += l / 20
		}
	}
	require.Less(t, last, 0.6*first, "loss of the first 20 steps %.3f, of the last 20 %.3f", first, last)
}

func TestCheckpointRoundTrip(t *testing.T) {
	for _, classes := range []int{0, 3} {
		m := newTiny(t, classes, 1)
		s, err := NewStep(m, TrainConfig{Batch: 4}, 1)
		require.NoError(t, err)
		images := make([]float32, 4*m.Config.Pixels())
		var labels []int
		if classes > 0 {
			labels = []int{0, 1, 2, 0}
		}
		for range 2 {
			_, err := s.Run(images, labels)
			require.NoError(t, err)
		}
		dir, _ := testutil.SaveRun(t, s, 2)
		loaded, err := Load(dir)
		require.NoError(t, err)
		require.Equal(t, m.Config, loaded.Config())
		require.Equal(t, testutil.Names(m.Params()), testutil.Names(loaded.model.Params()))
		for i, p := range m.Params() {
			require.Equal(t, p.Float32s(), loaded.model.Params()[i].Float32s(), p.Name)
		}
		want, err := NewSampler(m).Sample(context.Background(), 2, 5, -1, SampleConfig{Steps: 4})
		require.NoError(t, err)
		got, err := loaded.Sample(context.Background(), 2, 5, -1, SampleConfig{Steps: 4})
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	names := testutil.Names(newTiny(t, 0, 1).Params())
	require.Contains(t, names[0], "unet.")
	require.Contains(t, names[len(names)-1], "unet_ema.")
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		cfg Config
		err string
	}{
		{Config{Schedule: "quadratic"}, "unknown schedule"},
		{Config{T: -1}, "T must be"},
		{Config{T: maxT + 1}, "T must be"},
		{Config{EMA: 1}, "EMA"},
		{Config{EMA: math.NaN()}, "EMA"},
		{Config{CondDrop: 1}, "label-drop"},
		{Config{UNet: UNetConfig{Classes: maxClasses + 1}}, "classes"},
	}
	for _, c := range cases {
		_, err := New(c.cfg, 1)
		require.ErrorContains(t, err, c.err, "%+v", c.cfg)
	}
}

func TestPreviews(t *testing.T) {
	for _, classes := range []int{0, 10} {
		m := newTiny(t, classes, 1)
		s, err := NewStep(m, TrainConfig{Batch: 4, PreviewSteps: 3}, 1)
		require.NoError(t, err)
		ps, err := s.Previews()
		require.NoError(t, err)
		require.Len(t, ps, 2)
		require.Equal(t, "samples", ps[0].Name)
		require.Equal(t, previewSamples, ps[0].N)
		require.Len(t, ps[0].Images, ps[0].N*m.Config.Pixels())
		require.Equal(t, "denoising", ps[1].Name)
		require.Equal(t, 4, ps[1].N, "the noise and one frame per step")
		require.Len(t, ps[1].Images, 4*m.Config.Pixels())
		// The strip ends at the first sample of the grid.
		require.Equal(t, ps[0].Images[:m.Config.Pixels()], ps[1].Images[3*m.Config.Pixels():])
	}
}

// TestExactResume stops a run at step 9, resumes it from the checkpoint
// into a model built with other seeds, and requires the losses of steps
// 10–20, every final parameter and average, and the optimiser's moments to
// be bit-equal to an uninterrupted run's.
func TestExactResume(t *testing.T) {
	loader, err := datasets.NewLoader(datasets.Synthetic(64, 1), 8, 3, datasets.ScaleSigned)
	require.NoError(t, err)
	type run struct {
		step   *Step
		losses [][]trainer.Metric
	}
	newRun := func(seed uint64) *run {
		m, err := New(tinyConfig(10), seed)
		require.NoError(t, err)
		s, err := NewStep(m, TrainConfig{Batch: 8, PreviewSteps: 2}, seed)
		require.NoError(t, err)
		return &run{step: s}
	}
	train := func(r *run, start, steps int64, out string) {
		hook := func(ev trainer.Event) error {
			r.losses = append(r.losses, ev.Metrics)
			return nil
		}
		_, err := trainer.Run(context.Background(), r.step, loader, trainer.Config{Start: start, Steps: steps, Out: out, Seed: 7, Hooks: []trainer.Hook{hook}})
		require.NoError(t, err)
	}
	full := newRun(7)
	train(full, 0, 20, "")

	dir := filepath.Join(t.TempDir(), "run")
	first := newRun(7)
	train(first, 0, 9, dir)
	latest, err := checkpoints.Dir{Path: filepath.Join(dir, "checkpoints")}.Latest()
	require.NoError(t, err)
	c, err := checkpoints.Load(latest)
	require.NoError(t, err)

	resumed := newRun(12345) // other weights and noise: all must come from the checkpoint
	start, err := trainer.Resume(c, resumed.step)
	require.NoError(t, err)
	require.EqualValues(t, 9, start)
	train(resumed, start, 20, dir)

	require.Equal(t, full.losses[9:], resumed.losses, "losses of steps 10-20")
	for i, p := range full.step.Params() {
		q := resumed.step.Params()[i]
		for j, v := range p.Float32s() {
			if math.Float32bits(v) != math.Float32bits(q.Float32s()[j]) {
				require.Failf(t, "parameters differ", "%s[%d]: uninterrupted %v, resumed %v", p.Name, j, v, q.Float32s()[j])
			}
		}
	}
	require.Equal(t, full.step.Opt.M, resumed.step.Opt.M)
	require.Equal(t, full.step.Opt.V, resumed.step.Opt.V)
	require.Equal(t, full.step.EMA.Updates, resumed.step.EMA.Updates)
}
