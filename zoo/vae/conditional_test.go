package vae

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// synthLabelled returns a batch of synthetic images with their labels.
func synthLabelled(t *testing.T, batch int) ([]float32, []int) {
	t.Helper()
	set := datasets.Synthetic(256, 1)
	require.Len(t, set.Labels, set.N, "the synthetic set is labelled")
	l, err := datasets.NewLoader(set, batch, 1, datasets.ScaleUnit)
	require.NoError(t, err)
	images := make([]float32, batch*28*28)
	labels := make([]int, batch)
	require.NoError(t, l.Fill(0, 0, images, labels))
	return images, labels
}

// TestConditionalObjectiveGradients checks the conditional negative ELBO's
// gradient, for every parameter (including the label columns of the
// first encoder and decoder layers), against finite differences.
func TestConditionalObjectiveGradients(t *testing.T) {
	for _, cfg := range []Config{
		{Z: 3, Hidden: []int{5}, Height: 2, Width: 3, Classes: 3},
		{Z: 2, Hidden: []int{5, 4}, Height: 2, Width: 2, Classes: 2, Beta: 0.5},
		{Z: 2, Hidden: []int{5, 4}, Height: 2, Width: 3, Classes: 3, LabelLayers: true},
	} {
		m, err := New(cfg, 3)
		require.NoError(t, err)
		require.Equal(t, []int{cfg.Hidden[0], cfg.Height*cfg.Width + cfg.Classes}, m.Enc.(*MLPEncoder).Layers[0].Weight.Shape())
		require.Equal(t, cfg.Z+cfg.Classes, m.Dec.(*MLPDecoder).Layers[0].Weight.Shape()[1], "weights are [out, in]")
		for i, l := range m.Dec.(*MLPDecoder).Layers[1:] {
			in := cfg.Hidden[len(cfg.Hidden)-1-i]
			if cfg.LabelLayers {
				in += cfg.Classes
			}
			require.Equal(t, in, l.Weight.Shape()[1], "dec.fc%d reads the label with label layers only", i+2)
		}
		p64 := m.Params().ToFloat64()
		m64, err := m.Rebind(p64)
		require.NoError(t, err)
		require.NoError(t, testutil.GradCheck(p64, func(b *graphs.Builder) *G.Node {
			x := b.Input("x", 4, m.Config.Pixels())
			y := b.Input("y", 4, m.Config.Classes)
			eps := b.Input("eps", 4, m.Config.Z)
			fillUnit(x, 1, false)
			testutil.FillNormal(t, eps, rand.New(rand.NewPCG(2, 3)), 1)
			yv := graphs.Value(y).Data().([]float64)
			for i := range 4 {
				yv[i*cfg.Classes+(i*2+1)%cfg.Classes] = 1
			}
			return Objective(b, m64, x, y, eps, m.Config.Beta).Loss
		}, 0, 1e-5))
	}
}

// TestConditionalLabelsReachDecoder: the same latent point decoded as two
// classes gives two images; the same class and seed give the same images;
// SampleClass decodes Sample's prior draws; labels change the encoding.
func TestConditionalLabelsReachDecoder(t *testing.T) {
	m, err := New(Config{Z: 4, Hidden: []int{32}, Classes: 10}, 1)
	require.NoError(t, err)
	v := NewInference(m)
	a, err := v.SampleClass(5, 3, 7)
	require.NoError(t, err)
	b, err := v.SampleClass(5, 3, 7)
	require.NoError(t, err)
	require.Equal(t, a, b, "same class and seed, same images")
	c, err := v.SampleClass(5, 4, 7)
	require.NoError(t, err)
	require.Len(t, c, 5*784)
	for i := range 5 {
		require.NotEqual(t, a[i*784:(i+1)*784], c[i*784:(i+1)*784], "image %d: the class must change the image", i)
	}
	z, err := v.prior(5, 7)
	require.NoError(t, err)
	d, err := v.Decode(z, []int{3, 3, 3, 3, 3})
	require.NoError(t, err)
	require.Equal(t, a, d, "SampleClass decodes the prior draws of its seed")
	// Rows beyond the first batch of the inference graph get their own labels.
	many, err := v.SampleClass(inferBatch+3, 9, 2)
	require.NoError(t, err)
	zm, err := v.prior(inferBatch+3, 2)
	require.NoError(t, err)
	one, err := v.Decode(zm[inferBatch*4:(inferBatch+1)*4], []int{9})
	require.NoError(t, err)
	require.Equal(t, one, many[inferBatch*784:(inferBatch+1)*784])

	mixed, err := v.Sample(50, 7)
	require.NoError(t, err)
	require.Len(t, mixed, 50*784)

	images, _ := synthLabelled(t, 2)
	mu0, _, err := v.Encode(images, []int{0, 0})
	require.NoError(t, err)
	mu1, _, err := v.Encode(images, []int{1, 1})
	require.NoError(t, err)
	require.NotEqual(t, mu0, mu1, "the encoder reads the labels")
}

// TestConditionalErrors: the unlabelled API on a conditional model, labels
// on an unconditional one, and labels out of range are all refused.
func TestConditionalErrors(t *testing.T) {
	_, err := New(Config{Classes: -1}, 1)
	require.ErrorContains(t, err, "classes")
	m, err := New(Config{Z: 2, Hidden: []int{8}, Classes: 3}, 1)
	require.NoError(t, err)
	v := NewInference(m)
	images, labels := synthLabelled(t, 4)
	_, _, err = v.Encode(images, nil)
	require.ErrorContains(t, err, "class-conditional")
	_, err = v.Decode(make([]float32, 4), nil)
	require.ErrorContains(t, err, "class-conditional")
	_, err = v.Reconstruct(images, nil)
	require.ErrorContains(t, err, "class-conditional")
	_, err = v.Manifold(4)
	require.ErrorContains(t, err, "unconditional")
	_, err = v.Decode(make([]float32, 4), []int{0, 3})
	require.ErrorContains(t, err, "label 3")
	_, err = v.Decode(make([]float32, 4), []int{0})
	require.ErrorContains(t, err, "one label per image")
	_, err = v.SampleClass(2, 3, 1)
	require.ErrorContains(t, err, "class 3 is not in [0, 3)")

	s, err := NewStep(m, TrainConfig{Batch: 4}, 1)
	require.NoError(t, err)
	_, err = s.Run(images, nil)
	require.ErrorContains(t, err, "needs 4 labels")
	for i := range labels {
		labels[i] %= 3
	}
	_, err = s.Run(images, labels)
	require.NoError(t, err)
	bad := []int{0, 1, 2, 5}
	_, err = s.Run(images, bad)
	require.ErrorContains(t, err, "label 5")
	require.ErrorContains(t, s.SetPreviewImages(images, nil), "one label per image")

	set := datasets.Synthetic(20, 1)
	_, err = NewTester(m, set, TestConfig{})
	require.ErrorContains(t, err, "label", "synthetic labels go up to 9, the model has 3 classes")
	set.Labels = nil
	_, err = NewTester(m, set, TestConfig{})
	require.ErrorContains(t, err, "class-conditional")

	u, err := New(Config{Z: 2, Hidden: []int{8}}, 1)
	require.NoError(t, err)
	vu := NewInference(u)
	_, err = vu.SampleClass(2, 0, 1)
	require.ErrorContains(t, err, "not class-conditional")
	_, err = vu.Decode(make([]float32, 2), []int{0})
	require.ErrorContains(t, err, "not class-conditional")
}

// TestConditionalTrainEvalCheckpoint trains a conditional model a few steps
// through the trainer interface, measures it with labelled test images,
// draws its previews (one column per class), and round-trips it through a
// checkpoint bit-exactly.
func TestConditionalTrainEvalCheckpoint(t *testing.T) {
	cfg := Config{Z: 2, Hidden: []int{16}, Classes: 10, Binarize: true}
	m, err := New(cfg, 5)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 8}, 5)
	require.NoError(t, err)
	images, labels := synthLabelled(t, 8)
	for range 3 {
		ms, err := s.Step(images, labels)
		require.NoError(t, err)
		require.False(t, math.IsNaN(ms[0].Value))
	}
	tester, err := NewTester(m, datasets.Synthetic(30, 2), TestConfig{Batch: 7, Chunk: 11})
	require.NoError(t, err)
	require.Len(t, tester.Labels(0, 32), 30)
	loss, err := tester.Loss(context.Background())
	require.NoError(t, err)
	k1, err := tester.IWAE(context.Background(), 1, 0)
	require.NoError(t, err)
	require.InDelta(t, loss.Loss, k1, 0.1*loss.Loss, "IWAE k=1 estimates the conditional test loss")
	k20, err := tester.IWAE(context.Background(), 20, 0)
	require.NoError(t, err)
	require.Less(t, k20, loss.Loss)
	require.NoError(t, s.SetPreviewImages(tester.Images(0, 32), tester.Labels(0, 32)))
	ps, err := s.Previews()
	require.NoError(t, err)
	require.Len(t, ps, 2, "reconstructions and samples; no manifold for a conditional model")
	require.Equal(t, "samples", ps[1].Name)
	require.Equal(t, 10, ps[1].Cols)
	require.Equal(t, 60, ps[1].N)

	v2, err := Load(testutil.SaveFile(t, s, 3))
	require.NoError(t, err)
	require.Equal(t, m.Config, v2.Config())
	want, err := NewInference(m).SampleClass(6, 7, 3)
	require.NoError(t, err)
	got, err := v2.SampleClass(6, 7, 3)
	require.NoError(t, err)
	require.Equal(t, want, got)
	rec, err := v2.Reconstruct(images, labels)
	require.NoError(t, err)
	wantRec, err := NewInference(m).Reconstruct(images, labels)
	require.NoError(t, err)
	require.Equal(t, wantRec, rec)
}

// TestWarmObjective: the objective with its KL weight read from an input
// equals the one with the weight built in, and its gradient (the weight
// 0.3, mid warm-up) matches finite differences.
func TestWarmObjective(t *testing.T) {
	m, err := New(Config{Z: 2, Hidden: []int{5}, Height: 2, Width: 3, Classes: 3, LabelLayers: true}, 4)
	require.NoError(t, err)
	p64 := m.Params().ToFloat64()
	m64, err := m.Rebind(p64)
	require.NoError(t, err)
	const batch, beta = 4, 0.3
	build := func(warm bool) func(b *graphs.Builder) *G.Node {
		return func(b *graphs.Builder) *G.Node {
			x := b.Input("x", batch, m.Config.Pixels())
			y := b.Input("y", batch, m.Config.Classes)
			eps := b.Input("eps", batch, m.Config.Z)
			fillUnit(x, 2, false)
			testutil.FillNormal(t, eps, rand.New(rand.NewPCG(5, 6)), 1)
			yv := graphs.Value(y).Data().([]float64)
			for i, k := range []int{0, 2, 1, 2} {
				yv[i*3+k] = 1
			}
			if !warm {
				return Objective(b, m64, x, y, eps, beta).Loss
			}
			w := b.Input("beta", 1)
			graphs.Value(w).Data().([]float64)[0] = beta
			return WarmObjective(b, m64, x, y, eps, w).Loss
		}
	}
	require.NoError(t, testutil.GradCheck(p64, build(true), 0, 1e-5))
	loss := func(warm bool) float64 {
		b := graphs.NewBuilder()
		b.Dtype = tensor.Float64
		out := b.Keep(build(warm)(b))
		vm, err := b.Compile()
		require.NoError(t, err)
		require.NoError(t, vm.Run())
		return out.Scalar()
	}
	require.InDelta(t, loss(false), loss(true), 1e-12)
}

// TestWarmBeta: the KL weight rises linearly over the warm-up and stays
// at β after it; no warm-up, or β = 0 (a negative Beta), are constant.
func TestWarmBeta(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		step int64
		want float64
	}{
		{Config{Beta: 2, BetaWarmup: 4}, 0, 0.5},
		{Config{Beta: 2, BetaWarmup: 4}, 1, 1},
		{Config{Beta: 2, BetaWarmup: 4}, 3, 2},
		{Config{Beta: 2, BetaWarmup: 4}, 100, 2},
		{Config{Beta: 3}, 0, 3},
		{Config{Beta: -1, BetaWarmup: 4}, 1, 0},
	} {
		require.InDelta(t, c.want, WarmBeta(c.cfg, c.step), 1e-15, "%+v at step %d", c.cfg, c.step)
	}
}

// templateSet returns n images in which the class decides the image
// exactly: image i is the first synthetic image of class i%10.
func templateSet(n int) *datasets.Set {
	src := datasets.Synthetic(10, 3)
	size := src.ImageBytes()
	set := &datasets.Set{Images: make([]uint8, n*size), Labels: make([]uint8, n), N: n, H: src.H, W: src.W, Source: "templates"}
	for i := range n {
		k := i % 10
		set.Labels[i] = uint8(k)
		copy(set.Images[i*size:(i+1)*size], src.Images[k*size:(k+1)*size])
	}
	return set
}

// TestConditionalDrawsRequestedClass trains conditional VAEs with the
// conditional recipe's settings (label layers, β = 4) briefly on images
// that their class decides exactly, with room in z for the class, which
// the encoder could keep there; prior draws asked for class k must be
// nearest to class k's image. (The MLP with the label beside z only and
// β = 1 gets about three in four.)
func TestConditionalDrawsRequestedClass(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two models")
	}
	set := templateSet(200)
	pixels := set.H * set.W
	templates := make([]float32, 10*pixels)
	for i, v := range set.Images[:10*pixels] {
		templates[i] = float32(v) / 255
	}
	nearest := func(img []float32) int {
		best, bestD := -1, math.Inf(1)
		for k := range 10 {
			d := 0.0
			for j, v := range img {
				e := float64(v - templates[k*pixels+j])
				d += e * e
			}
			if d < bestD {
				best, bestD = k, d
			}
		}
		return best
	}
	for _, c := range []struct {
		cfg   Config
		steps int
	}{
		{Config{Z: 8, Hidden: []int{64}, Classes: 10, LabelLayers: true, Beta: 4}, 1000},
		{Config{Arch: ArchConv, Z: 8, Hidden: []int{32}, Channels: []int{4, 8}, Classes: 10, LabelLayers: true, Beta: 4}, 300},
	} {
		t.Run(c.cfg.Arch, func(t *testing.T) {
			m, err := New(c.cfg, 1)
			require.NoError(t, err)
			const batch = 20
			s, err := NewStep(m, TrainConfig{Batch: batch, LR: 3e-3}, 1)
			require.NoError(t, err)
			l, err := datasets.NewLoader(set, batch, 1, datasets.ScaleUnit)
			require.NoError(t, err)
			images, labels := make([]float32, batch*pixels), make([]int, batch)
			for step := range c.steps {
				require.NoError(t, l.Fill(step/l.BatchesPerEpoch(), step%l.BatchesPerEpoch(), images, labels))
				_, err := s.Run(images, labels)
				require.NoError(t, err)
			}
			v := NewInference(m)
			agree := 0
			for k := range 10 {
				draws, err := v.SampleClass(20, k, uint64(k))
				require.NoError(t, err)
				for i := range 20 {
					if nearest(draws[i*pixels:(i+1)*pixels]) == k {
						agree++
					}
				}
			}
			require.GreaterOrEqual(t, agree, 190, "of 200 draws, 20 per class, the nearest class image is the one asked for")
		})
	}
}

// TestLabelLayersCheckpointAndResume: a conditional model with label
// layers and a β warm-up keeps both in its checkpoint, loads to the same
// parameters and draws, and a run resumed mid warm-up takes exactly the
// steps the original takes; a conditional model without them keeps the
// metadata it had before they existed.
func TestLabelLayersCheckpointAndResume(t *testing.T) {
	for _, cfg := range []Config{
		{Z: 3, Hidden: []int{16, 8}, Classes: 10, LabelLayers: true, BetaWarmup: 4, Beta: 2},
		{Arch: ArchConv, Z: 3, Hidden: []int{16}, Channels: []int{4, 8}, Classes: 10, LabelLayers: true, BetaWarmup: 4},
	} {
		t.Run(cfg.Arch, func(t *testing.T) {
			images, labels := synthLabelled(t, 8)
			s, path, loaded := trainAndSave(t, cfg, images, labels)
			m := s.Model
			var meta map[string]any
			require.NoError(t, json.Unmarshal(loaded.Meta.Config, &meta))
			require.Equal(t, true, meta["label_layers"])
			require.Equal(t, 4.0, meta["beta_warmup"])
			m2, err := FromCheckpoint(loaded)
			require.NoError(t, err)
			require.Equal(t, m.Config, m2.Config)
			v2, err := Load(path)
			require.NoError(t, err)
			want, err := NewInference(m).SampleClass(6, 7, 3)
			require.NoError(t, err)
			got, err := v2.SampleClass(6, 7, 3)
			require.NoError(t, err)
			require.Equal(t, want, got)

			s2, err := NewStep(m2, TrainConfig{Batch: 8}, 99)
			require.NoError(t, err)
			start, err := trainer.Resume(loaded, s2)
			require.NoError(t, err)
			require.EqualValues(t, 2, start)
			for range 4 { // past the end of the warm-up
				a, err := s.Step(images, labels)
				require.NoError(t, err)
				b, err := s2.Step(images, labels)
				require.NoError(t, err)
				require.Equal(t, a, b)
			}
			for i, p := range m.Params() {
				require.Equal(t, p.Float32s(), m2.Params()[i].Float32s(), p.Name)
			}
		})
	}
	plain, err := New(Config{Z: 3, Hidden: []int{8}, Classes: 10}, 1)
	require.NoError(t, err)
	meta, err := json.Marshal(plain.Config)
	require.NoError(t, err)
	require.NotContains(t, string(meta), "label_layers")
	require.NotContains(t, string(meta), "beta_warmup")
}

// trainAndSave trains a model of cfg two steps of 8 images and saves it,
// returning the step, the checkpoint's path and the checkpoint loaded.
func trainAndSave(t *testing.T, cfg Config, images []float32, labels []int) (*Step, string, *checkpoints.Checkpoint) {
	t.Helper()
	m, err := New(cfg, 5)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 8}, 5)
	require.NoError(t, err)
	for range 2 {
		_, err := s.Step(images, labels)
		require.NoError(t, err)
	}
	path := testutil.SaveFile(t, s, 2)
	loaded, err := checkpoints.Load(path)
	require.NoError(t, err)
	return s, path, loaded
}
