package vae

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
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
	} {
		m, err := New(cfg, 3)
		require.NoError(t, err)
		require.Equal(t, []int{cfg.Hidden[0], cfg.Height*cfg.Width + cfg.Classes}, m.Enc.(*MLPEncoder).Layers[0].Weight.Shape())
		require.Equal(t, cfg.Z+cfg.Classes, m.Dec.(*MLPDecoder).Layers[0].Weight.Shape()[1], "weights are [out, in]")
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
