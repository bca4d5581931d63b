package classifier

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
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

// small is a configuration that builds and runs in milliseconds.
var small = Config{Height: 12, Width: 12, Channels: []int{3, 4}, Kernel: 3, Hidden: 6, Classes: 5}

func randomImages(rng *rand.Rand, n, pixels int) []float32 {
	x := make([]float32, n*pixels)
	for i := range x {
		x[i] = rng.Float32()
	}
	return x
}

// float64Copy returns m with float64 copies of its parameters, for
// gradient checks.
func float64Copy(m *Model) (*Model, graphs.Params) {
	ps := m.Params().ToFloat64()
	c := &Model{Config: m.Config}
	i := 0
	for _, conv := range m.Convs {
		c.Convs = append(c.Convs, &graphs.Conv2d{Weight: ps[i], Bias: ps[i+1], Stride: conv.Stride, Pad: conv.Pad})
		i += 2
	}
	c.FC1 = &graphs.Linear{Weight: ps[i], Bias: ps[i+1]}
	c.FC2 = &graphs.Linear{Weight: ps[i+2], Bias: ps[i+3]}
	return c, ps
}

func TestGradients(t *testing.T) {
	colour := small
	colour.ImageChannels = 3
	for _, c := range []struct {
		name    string
		cfg     Config
		dropout float64
	}{
		{"grey", small, 0},
		{"grey, dropout", small, 0.5},
		{"colour", colour, 0},
	} {
		cfg := c.cfg
		cfg.Dropout = c.dropout
		m, err := New(cfg, 3)
		require.NoError(t, err)
		m64, ps := float64Copy(m)
		pixels := m.Config.Pixels()
		require.NoError(t, testutil.GradCheck(ps, func(b *graphs.Builder) *G.Node {
			b.Training = true
			x := b.Input("x", 4, pixels)
			copy(graphs.Value(x).Data().([]float64), func() []float64 {
				v := make([]float64, 4*pixels)
				rng := rand.New(rand.NewPCG(4, 4))
				for i := range v {
					v[i] = rng.Float64()
				}
				return v
			}())
			y := b.Input("y", 4, 5)
			for i, l := range []int{0, 3, 4, 1} {
				graphs.Value(y).Data().([]float64)[i*5+l] = 1
			}
			_, logits := m64.Forward(b, x)
			graphs.RefillMasks(b.Masks(), rand.New(rand.NewPCG(5, 5)))
			return b.Mean(b.CrossEntropyWithLogits(logits, y))
		}, 20, 1e-5), c.name)
	}
}

// TestReadsColour trains on images whose class is the one colour plane
// that is lit, the same square in every class: only a network that
// reads the planes apart (in CHW order) can tell them apart, and a grey
// version of the images holds no information at all.
func TestReadsColour(t *testing.T) {
	const n, side = 192, 12
	cfg := Config{ImageChannels: 3, Height: side, Width: side, Channels: []int{4, 4}, Kernel: 3, Hidden: 8, Classes: 3}
	rng := rand.New(rand.NewPCG(7, 7))
	set := &datasets.Set{N: n, H: side, W: side, C: 3, Images: make([]uint8, n*3*side*side), Labels: make([]uint8, n)}
	for i := range n {
		label := i % 3
		set.Labels[i] = uint8(label)
		img := set.Image(i)
		x0, y0 := rng.IntN(side-4), rng.IntN(side-4)
		for y := y0; y < y0+4; y++ {
			for x := x0; x < x0+4; x++ {
				img[label*side*side+y*side+x] = 255
			}
		}
	}
	m, err := New(cfg, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 32, LR: 1e-2}, 1)
	require.NoError(t, err)
	loader, err := datasets.NewLoader(set, 32, 1, datasets.ScaleUnit)
	require.NoError(t, err)
	infer := NewInference(m)
	before, err := infer.Test(set)
	require.NoError(t, err)
	_, err = trainer.Run(context.Background(), s, loader, trainer.Config{Epochs: 6})
	require.NoError(t, err)
	after, err := infer.Test(set)
	require.NoError(t, err)
	require.Less(t, before.Accuracy, 0.5)
	require.Greater(t, after.Accuracy, 0.95)

	grey := *set
	grey.C = 1
	grey.Images = grey.Images[:n*side*side]
	_, err = infer.Test(&grey)
	require.ErrorContains(t, err, "has 1x12x12 images, the model takes 3x12x12")
}

// TestStepLossMatchesReference: the loss and accuracy a step reports are
// the cross-entropy and accuracy of the logits before the update,
// computed here in float64 from the inference graph's logits.
func TestStepLossMatchesReference(t *testing.T) {
	m, err := New(small, 1)
	require.NoError(t, err)
	// Scale the last layer up so that some probabilities are tiny and the
	// loss is far from log(classes).
	for i, v := range m.FC2.Weight.Float32s() {
		m.FC2.Weight.Float32s()[i] = 8 * v
	}
	s, err := NewStep(m, TrainConfig{Batch: 16}, 1)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(2, 2))
	images := randomImages(rng, 16, small.Height*small.Width)
	labels := make([]int, 16)
	for i := range labels {
		labels[i] = rng.IntN(5)
	}
	_, logits, err := NewInference(m).forward(images)
	require.NoError(t, err)
	var want, acc float64
	for i, y := range labels {
		row := logits[i*5 : (i+1)*5]
		mx := math.Inf(-1)
		best := 0
		for j, v := range row {
			mx = math.Max(mx, float64(v))
			if v > row[best] {
				best = j
			}
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - mx)
		}
		want -= float64(row[y]) - mx - math.Log(s)
		if best == y {
			acc++
		}
	}
	want /= 16
	l, err := s.Run(images, labels)
	require.NoError(t, err)
	require.Greater(t, want, 1.0, "the reference loss is not trivial")
	require.InDelta(t, want, l.Loss, 1e-5*want)
	require.InDelta(t, acc/16, l.Accuracy, 1e-12)
	require.EqualValues(t, 1, s.Opt.Step)

	_, err = s.Run(images, labels[:3])
	require.ErrorContains(t, err, "3 labels")
	_, err = s.Run(images[:10], labels)
	require.ErrorContains(t, err, "batch holds 10 values")
	bad := append([]int(nil), labels...)
	bad[7] = 5
	_, err = s.Run(images, bad)
	require.ErrorContains(t, err, "label 5 of image 7")
}

// TestTrainsOnSynthetic trains through the shared trainer on the
// synthetic shapes and checks the test accuracy it reaches.
func TestTrainsOnSynthetic(t *testing.T) {
	train, test := datasets.Synthetic(640, 1), datasets.Synthetic(200, 2)
	m, err := New(Config{Channels: []int{4, 8}, Hidden: 32}, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 32}, 1)
	require.NoError(t, err)
	loader, err := datasets.NewLoader(train, 32, 1, datasets.ScaleUnit)
	require.NoError(t, err)
	infer := NewInference(m)
	before, err := infer.Test(test)
	require.NoError(t, err)
	res, err := trainer.Run(context.Background(), &EvalStep{Train: s, Test: test}, loader, trainer.Config{Epochs: 3})
	require.NoError(t, err)
	after, err := infer.Test(test)
	require.NoError(t, err)
	require.Less(t, before.Accuracy, 0.5)
	require.Greater(t, after.Accuracy, 0.9)
	require.Less(t, after.Loss, before.Loss/3)
	require.Len(t, res.Eval, 2)
	require.Equal(t, "test_acc", res.Eval[0].Name)
	require.InDelta(t, after.Accuracy, res.Eval[0].Value, 1e-12)
}

// TestConcurrentInference: goroutines sharing an Inference get what a
// lone caller gets (run it with -race).
func TestConcurrentInference(t *testing.T) {
	m, err := New(small, 7)
	require.NoError(t, err)
	infer := NewInference(m)
	rng := rand.New(rand.NewPCG(3, 3))
	const workers = 4
	inputs := make([][]float32, workers)
	want := make([][]float32, workers)
	for i := range inputs {
		// The first spans two graph batches, with a partial second one.
		inputs[i] = randomImages(rng, inferBatch+30-20*i, 144)
		f, p, err := infer.Outputs(inputs[i])
		require.NoError(t, err)
		want[i] = append(f, p...)
	}
	var wg sync.WaitGroup
	got := make([][]float32, workers)
	errs := make([]error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				f, p, err := infer.Outputs(inputs[i])
				if err != nil {
					errs[i] = err
					return
				}
				got[i] = append(f, p...)
			}
		}()
	}
	wg.Wait()
	for i := range workers {
		require.NoError(t, errs[i])
		require.Equal(t, want[i], got[i], "worker %d", i)
	}
	// Probabilities are a distribution per image.
	_, p, err := infer.Outputs(inputs[0])
	require.NoError(t, err)
	for i := 0; i < len(p); i += 5 {
		var s float64
		for _, v := range p[i : i+5] {
			require.GreaterOrEqual(t, v, float32(0))
			s += float64(v)
		}
		require.InDelta(t, 1, s, 1e-5)
	}
	_, err = infer.Features(make([]float32, 100))
	require.ErrorContains(t, err, "whole number of 12x12 images")
}

func TestWeightsRoundTrip(t *testing.T) {
	m, err := New(small, 5)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "w.safetensors")
	w, err := Weights(m, checkpoints.Meta{Step: 12, Extra: map[string]string{"test_accuracy": "0.5"}})
	require.NoError(t, err)
	require.Len(t, w.Tensors, len(m.Params()), "no optimiser state")
	require.NoError(t, checkpoints.Save(path, w))
	loaded, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, m.Config, loaded.Config())
	images := randomImages(rand.New(rand.NewPCG(1, 1)), 7, 144)
	f1, p1, err := NewInference(m).Outputs(images)
	require.NoError(t, err)
	f2, p2, err := loaded.Outputs(images)
	require.NoError(t, err)
	require.Equal(t, f1, f2)
	require.Equal(t, p1, p2)

	w.Meta.Kind = "gan"
	other := filepath.Join(t.TempDir(), "gan.safetensors")
	require.NoError(t, checkpoints.Save(other, w))
	_, err = Load(other)
	require.ErrorContains(t, err, `"gan" model, not "classifier"`)
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"arch", Config{Arch: "resnet"}, "unknown architecture"},
		{"too small", Config{Height: 8, Width: 8}, "too small"},
		{"channels", Config{Channels: []int{16, 0}}, "channels must be positive"},
		{"no blocks", Config{Channels: []int{}}, "at least one conv block"},
		{"dropout", Config{Dropout: 1}, "dropout"},
		{"classes", Config{Classes: 1}, "classes at least 2"},
		{"image channels", Config{ImageChannels: 2}, "2 image channels: want 1 (grey) or 3 (RGB)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.cfg, 1)
			require.ErrorContains(t, err, c.want)
		})
	}
	m, err := New(Config{}, 1)
	require.NoError(t, err)
	names := testutil.Names(m.Params())
	require.Equal(t, []string{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}, names)
	require.Equal(t, []int{128, 512}, m.FC1.Weight.Shape())
	require.Equal(t, 80202, m.Params().Count())
}

func TestLearningRateDecay(t *testing.T) {
	m, err := New(small, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 4, LR: 0.01, DecayStep: 2}, 1)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 1))
	var rates []float64
	for range 4 {
		_, err := s.Run(randomImages(rng, 4, 144), []int{0, 1, 2, 3})
		require.NoError(t, err)
		rates = append(rates, s.Opt.LR)
	}
	// Update k (1-based) runs with the step count k−1 already done.
	require.Equal(t, []float64{0.01, 0.01, 0.001, 0.001}, rates)
	_, err = NewStep(m, TrainConfig{DecayStep: -1}, 1)
	require.ErrorContains(t, err, "decay step")
}

// TestStepRejectsPixelScale: the classifier takes pixels in [0, 1].
func TestStepRejectsPixelScale(t *testing.T) {
	m, err := New(Config{Channels: []int{2}, Kernel: 3, Hidden: 4, Height: 8, Width: 8}, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	images := make([]float32, 2*64)
	images[70] = float32(math.NaN())
	_, err = s.Run(images, []int{0, 1})
	require.ErrorContains(t, err, "pixel 6 of image 1 is NaN")
	images[70] = 0.5
	_, err = s.Run(images, []int{0, 1})
	require.NoError(t, err)
}
