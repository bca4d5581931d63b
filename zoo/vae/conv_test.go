package vae

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// tinyConv is a conv VAE small enough for finite differences: 8×8 images,
// 2 and 3 channels (maps 4×4 then 2×2), 5 hidden units, 3 latents.
var tinyConv = Config{Arch: ArchConv, Z: 3, Hidden: []int{5}, Channels: []int{2, 3}, Height: 8, Width: 8}

// TestConvDefaultShapes pins the default conv VAE's parameters: PyTorch
// names and layouts, in initialisation order.
func TestConvDefaultShapes(t *testing.T) {
	m, err := New(Config{Arch: ArchConv}, 1)
	require.NoError(t, err)
	require.Equal(t, Config{Arch: "conv", Z: 20, Hidden: []int{256}, Channels: []int{32, 64}, Height: 28, Width: 28, Beta: 1}, m.Config)
	want := []struct {
		name  string
		shape []int
	}{
		{"enc.conv1.weight", []int{32, 1, 4, 4}}, {"enc.conv1.bias", []int{32}},
		{"enc.conv2.weight", []int{64, 32, 4, 4}}, {"enc.conv2.bias", []int{64}},
		{"enc.fc1.weight", []int{256, 64 * 7 * 7}}, {"enc.fc1.bias", []int{256}},
		{"enc.fc_mu.weight", []int{20, 256}}, {"enc.fc_mu.bias", []int{20}},
		{"enc.fc_logvar.weight", []int{20, 256}}, {"enc.fc_logvar.bias", []int{20}},
		{"dec.fc1.weight", []int{256, 20}}, {"dec.fc1.bias", []int{256}},
		{"dec.fc2.weight", []int{64 * 7 * 7, 256}}, {"dec.fc2.bias", []int{64 * 7 * 7}},
		{"dec.conv1.weight", []int{32, 64, 3, 3}}, {"dec.conv1.bias", []int{32}},
		{"dec.conv2.weight", []int{1, 32, 3, 3}}, {"dec.conv2.bias", []int{1}},
	}
	ps := m.Params()
	require.Len(t, ps, len(want))
	count := 0
	for i, w := range want {
		require.Equal(t, w.name, ps[i].Name)
		require.Equal(t, w.shape, ps[i].Shape(), w.name)
		n := 1
		for _, d := range w.shape {
			n *= d
		}
		count += n
	}
	require.Equal(t, count, ps.Count())
	// PyTorch's default init bounds every conv weight by 1/√(in·k·k).
	for _, v := range m.Enc.(*ConvEncoder).Convs[1].Weight.Float32s() {
		require.LessOrEqual(t, math.Abs(float64(v)), 1/math.Sqrt(32*16))
	}
}

// TestConvForwardShapes runs the conv objective on several configurations
// and checks the shapes of μ, log σ² and the logits.
func TestConvForwardShapes(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
	}{
		{"default 28×28", Config{Arch: ArchConv}},
		{"conditional", Config{Arch: ArchConv, Channels: []int{4, 8}, Hidden: []int{16}, Classes: 10}},
		{"one stage", Config{Arch: ArchConv, Channels: []int{3}, Hidden: []int{7}, Z: 2, Height: 6, Width: 10}},
		{"three stages, not square", Config{Arch: ArchConv, Channels: []int{2, 3, 4}, Hidden: []int{6}, Z: 4, Height: 16, Width: 8}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const batch = 3
			m, err := New(c.cfg, 2)
			require.NoError(t, err)
			cfg := m.Config
			b := graphs.NewBuilder()
			x := b.Input("x", batch, cfg.Pixels())
			eps := b.Input("eps", batch, cfg.Z)
			y := m.labelInput(b, "y", batch)
			if y != nil {
				graphs.Value(y).Data().([]float32)[0] = 1
			}
			terms := Objective(b, m, x, y, eps, 1)
			mu, logvar, logits := b.Keep(terms.Mu), b.Keep(terms.LogVar), b.Keep(terms.Logits)
			vm, err := b.Compile()
			require.NoError(t, err)
			require.NoError(t, vm.Run())
			require.Len(t, mu.Float32s(), batch*cfg.Z)
			require.Len(t, logvar.Float32s(), batch*cfg.Z)
			require.Len(t, logits.Float32s(), batch*cfg.Pixels())
			require.Equal(t, []int{batch, cfg.Pixels()}, []int(terms.Logits.Shape()))
			last := cfg.Channels[len(cfg.Channels)-1]
			scale := 1 << len(cfg.Channels)
			require.Equal(t, []int{cfg.Hidden[0], last*cfg.Height/scale*cfg.Width/scale + cfg.Classes}, m.Enc.(*ConvEncoder).Hidden.Weight.Shape())
			require.Equal(t, []int{cfg.Hidden[0], cfg.Z + cfg.Classes}, m.Dec.(*ConvDecoder).Hidden.Weight.Shape())
		})
	}
}

// TestConvObjectiveGradients checks d(negative ELBO)/d(every entry of every
// parameter) of the conv VAE against central finite differences in
// float64, with ε fixed: convolutions, upsampling, reshapes, and for a
// conditional model the label columns of enc.fc1 and dec.fc1.
func TestConvObjectiveGradients(t *testing.T) {
	conditional := tinyConv
	conditional.Classes = 3
	threeStages := Config{Arch: ArchConv, Z: 2, Hidden: []int{4}, Channels: []int{2, 2, 3}, Height: 8, Width: 8}
	withAttention := tinyConv
	withAttention.Arch = ArchConvAttn
	attentionConditional := conditional
	attentionConditional.Arch = ArchConvAttn
	colour := tinyConv
	colour.ImageChannels = 3
	labelLayers := conditional
	labelLayers.LabelLayers = true
	cases := []struct {
		name   string
		cfg    Config
		beta   float64
		binary bool
	}{
		{"tiny", tinyConv, 1, false},
		{"beta 4, binary pixels", tinyConv, 4, true},
		{"conditional", conditional, 0.5, false},
		{"three stages", threeStages, 1, false},
		{"attention", withAttention, 1, false},
		{"attention, conditional", attentionConditional, 1, false},
		{"colour", colour, 1, false},
		{"conditional, label layers", labelLayers, 1, false},
		{"attention, three stages, conditional, label layers", Config{Arch: ArchConvAttn, Z: 2, Hidden: []int{4}, Channels: []int{2, 2, 3}, Height: 8, Width: 8, Classes: 3, LabelLayers: true}, 0.5, false},
		{"attention at stage 2, colour", Config{Arch: ArchConvAttn, Z: 2, Hidden: []int{4}, Channels: []int{2, 2, 3}, AttentionStage: 2, ImageChannels: 3, Height: 8, Width: 8}, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := New(c.cfg, 3)
			require.NoError(t, err)
			for _, p := range m.Params() {
				if strings.HasSuffix(p.Name, ".gamma") {
					// γ starts at 0, which leaves the attention layers
					// without gradient; a non-zero γ checks them.
					p.Float32s()[0] = 0.7
				}
			}
			p64 := m.Params().ToFloat64()
			m64, err := m.Rebind(p64)
			require.NoError(t, err)
			require.NoError(t, testutil.GradCheck(p64, func(b *graphs.Builder) *G.Node {
				const batch = 3
				x := b.Input("x", batch, m.Config.Pixels())
				eps := b.Input("eps", batch, m.Config.Z)
				fillUnit(x, 1, c.binary)
				testutil.FillNormal(t, eps, rand.New(rand.NewPCG(2, 3)), 1)
				var y *G.Node
				if classes := m.Config.Classes; classes > 0 {
					y = b.Input("y", batch, classes)
					yv := graphs.Value(y).Data().([]float64)
					for i := range batch {
						yv[i*classes+(2*i+1)%classes] = 1
					}
				}
				return Objective(b, m64, x, y, eps, c.beta).Loss
			}, 0, 1e-5))
		})
	}
}

// Direct float64 versions of the conv VAE's layers on one image (maps
// [channels][h][w] flattened), written from the definitions, as an
// independent check of the graph.

func refConv(c *graphs.Conv2d, in []float64, h, w int) ([]float64, int, int) {
	ws, wt, bias := c.Weight.Shape(), c.Weight.Float32s(), c.Bias.Float32s()
	outC, inC, k := ws[0], ws[1], ws[2]
	stride := max(c.Stride, 1)
	oh, ow := (h+2*c.Pad-k)/stride+1, (w+2*c.Pad-k)/stride+1
	out := make([]float64, outC*oh*ow)
	for o := range outC {
		for i := range oh {
			for j := range ow {
				s := float64(bias[o])
				for ci := range inC {
					for ki := range k {
						for kj := range k {
							r, q := i*stride-c.Pad+ki, j*stride-c.Pad+kj
							if r >= 0 && r < h && q >= 0 && q < w {
								s += float64(wt[((o*inC+ci)*k+ki)*k+kj]) * in[(ci*h+r)*w+q]
							}
						}
					}
				}
				out[(o*oh+i)*ow+j] = s
			}
		}
	}
	return out, oh, ow
}

func refUpsample2(in []float64, channels, h, w int) []float64 {
	out := make([]float64, channels*4*h*w)
	for c := range channels {
		for i := range 2 * h {
			for j := range 2 * w {
				out[(c*2*h+i)*2*w+j] = in[(c*h+i/2)*w+j/2]
			}
		}
	}
	return out
}

func refLinear(l *graphs.Linear, in []float64) []float64 {
	w, bias := l.Weight.Float32s(), l.Bias.Float32s()
	out := make([]float64, len(bias))
	for o := range out {
		s := float64(bias[o])
		for i, v := range in {
			s += float64(w[o*len(in)+i]) * v
		}
		out[o] = s
	}
	return out
}

func refReLU(v []float64) []float64 {
	for i := range v {
		v[i] = math.Max(v[i], 0)
	}
	return v
}

// refConvLoss is the conv VAE's negative ELBO on one image with label
// onehot (nil for an unconditional model), straight from the layer
// definitions.
func refConvLoss(m *Model, x, eps, onehot []float64) (bce, kl float64) {
	enc, dec := m.Enc.(*ConvEncoder), m.Dec.(*ConvDecoder)
	h, hh, ww := x, m.Config.Height, m.Config.Width
	for _, c := range enc.Convs {
		h, hh, ww = refConv(c, h, hh, ww)
		refReLU(h)
	}
	h = refReLU(refLinear(enc.Hidden, append(append([]float64(nil), h...), onehot...)))
	mu, lv := refLinear(enc.Mu, h), refLinear(enc.LogVar, h)
	z := make([]float64, len(mu))
	for i := range z {
		z[i] = mu[i] + math.Exp(lv[i]/2)*eps[i]
		kl += 0.5 * (mu[i]*mu[i] + math.Exp(lv[i]) - lv[i] - 1)
	}
	h = refReLU(refLinear(dec.Hidden, append(z, onehot...)))
	h = refReLU(refLinear(dec.Maps, h))
	channels := dec.Convs[0].Weight.Shape()[1]
	hh, ww = m.Config.Height>>len(dec.Convs), m.Config.Width>>len(dec.Convs)
	for i, c := range dec.Convs {
		h = refUpsample2(h, channels, hh, ww)
		h, hh, ww = refConv(c, h, 2*hh, 2*ww)
		channels = c.Weight.Shape()[0]
		if i+1 < len(dec.Convs) {
			refReLU(h)
		}
	}
	for i, logit := range h {
		bce += math.Log1p(math.Exp(logit)) - x[i]*logit
	}
	return bce, kl
}

// TestConvObjectiveMatchesReference: the float32 graph's per-image BCE and
// KL equal a direct float64 computation of the architecture (PyTorch's
// NCHW flatten order, nearest-neighbour upsampling, labels joined after the
// convolutions).
func TestConvObjectiveMatchesReference(t *testing.T) {
	conditional := tinyConv
	conditional.Classes = 4
	colour := Config{Arch: ArchConv, Z: 2, Hidden: []int{6}, Channels: []int{3, 2}, ImageChannels: 3, Height: 8, Width: 12}
	for _, cfg := range []Config{tinyConv, conditional, {Arch: ArchConv, Z: 2, Hidden: []int{6}, Channels: []int{3, 2}, Height: 12, Width: 8}, colour} {
		m, err := New(cfg, 8)
		require.NoError(t, err)
		cfg = m.Config
		const n = 3
		b := graphs.NewBuilder()
		x, eps := b.Input("x", n, cfg.Pixels()), b.Input("eps", n, cfg.Z)
		y := m.labelInput(b, "y", n)
		rng := rand.New(rand.NewPCG(4, 4))
		xd, ed := graphs.Value(x).Data().([]float32), graphs.Value(eps).Data().([]float32)
		for i := range xd {
			xd[i] = rng.Float32()
		}
		graphs.FillNormal(ed, rng)
		labels := []int{2, 0, 3}
		if y != nil {
			require.NoError(t, graphs.OneHot(graphs.Value(y).Data().([]float32), labels, cfg.Classes))
		}
		terms := Objective(b, m, x, y, eps, 1)
		bceV, klV := b.Keep(terms.BCE), b.Keep(terms.KL)
		vm, err := b.Compile()
		require.NoError(t, err)
		require.NoError(t, vm.Run())
		for i := range n {
			xi, ei := make([]float64, cfg.Pixels()), make([]float64, cfg.Z)
			for j := range xi {
				xi[j] = float64(xd[i*cfg.Pixels()+j])
			}
			for j := range ei {
				ei[j] = float64(ed[i*cfg.Z+j])
			}
			var onehot []float64
			if cfg.Classes > 0 {
				onehot = make([]float64, cfg.Classes)
				onehot[labels[i]] = 1
			}
			bce, kl := refConvLoss(m, xi, ei, onehot)
			require.InDelta(t, bce, bceV.Float32s()[i], 1e-4*bce, "%v: BCE of image %d", cfg.Channels, i)
			require.InDelta(t, kl, klV.Float32s()[i], 1e-5, "%v: KL of image %d", cfg.Channels, i)
		}
	}
}

// TestConvCheckpointAndResume trains a small conv VAE through the trainer
// interface, checkpoints it, and checks that the checkpoint rebuilds the
// same model (config with its channels, every parameter bit-equal, same
// reconstructions) and that resuming from it continues exactly as the
// uninterrupted run does.
func TestConvCheckpointAndResume(t *testing.T) {
	for _, tc := range []struct {
		arch    string
		classes int
	}{{ArchConv, 0}, {ArchConv, 10}, {ArchConvAttn, 0}} {
		classes := tc.classes
		cfg := Config{Arch: tc.arch, Z: 3, Hidden: []int{16}, Channels: []int{4, 8}, Binarize: true, Classes: classes}
		images, labels := synthLabelled(t, 8)
		if classes == 0 {
			labels = nil
		}
		s, path, loaded := trainAndSave(t, cfg, images, labels)
		m := s.Model
		var meta map[string]any
		require.NoError(t, json.Unmarshal(loaded.Meta.Config, &meta))
		require.Equal(t, tc.arch, meta["arch"])
		require.Equal(t, []any{4.0, 8.0}, meta["channels"])

		m2, err := FromCheckpoint(loaded)
		require.NoError(t, err)
		require.Equal(t, m.Config, m2.Config)
		for i, p := range m.Params() {
			q := m2.Params()[i]
			require.Equal(t, p.Name, q.Name)
			require.Equal(t, p.Float32s(), q.Float32s(), p.Name)
		}
		v2, err := Load(path)
		require.NoError(t, err)
		want, err := NewInference(m).Reconstruct(images, labels)
		require.NoError(t, err)
		got, err := v2.Reconstruct(images, labels)
		require.NoError(t, err)
		require.Equal(t, want, got)

		// Resume: a fresh step restored from the checkpoint takes the same
		// next steps (same ε and binarisation draws, same Adam state) as
		// the original.
		s2, err := NewStep(m2, TrainConfig{Batch: 8}, 99)
		require.NoError(t, err)
		start, err := trainer.Resume(loaded, s2)
		require.NoError(t, err)
		require.EqualValues(t, 2, start)
		for range 2 {
			a, err := s.Step(images, labels)
			require.NoError(t, err)
			b, err := s2.Step(images, labels)
			require.NoError(t, err)
			require.Equal(t, a, b)
		}
		for i, p := range m.Params() {
			require.Equal(t, p.Float32s(), m2.Params()[i].Float32s(), "classes %d: %s after resuming", classes, p.Name)
		}

		// An MLP checkpoint's parameters do not fit the conv model.
		mlp, err := New(Config{Z: 3, Hidden: []int{16}, Classes: classes}, 1)
		require.NoError(t, err)
		require.ErrorContains(t, loaded.LoadParams(Kind, mlp.Params()), "enc.")
	}
}

// TestConvTesterAndInference: the test loss and the IWAE bound work for
// the conv architecture (k = 1 estimates the loss, k = 20 lies below it
// after a few steps of training),
// and a conditional conv model draws a chosen class.
func TestConvTesterAndInference(t *testing.T) {
	m, err := New(Config{Arch: ArchConv, Z: 4, Hidden: []int{16}, Channels: []int{4, 8}}, 3)
	require.NoError(t, err)
	// A few steps move q(z|x) away from the prior, so that more samples
	// tighten the bound by more than its Monte Carlo noise.
	s, err := NewStep(m, TrainConfig{Batch: 16}, 3)
	require.NoError(t, err)
	images := synthBatch(t, 16)
	for range 10 {
		_, err := s.Run(images, nil)
		require.NoError(t, err)
	}
	tester, err := NewTester(m, datasets.Synthetic(30, 2), TestConfig{Batch: 7, Chunk: 11})
	require.NoError(t, err)
	loss, err := tester.Loss(context.Background())
	require.NoError(t, err)
	k1, err := tester.IWAE(context.Background(), 1, 0)
	require.NoError(t, err)
	require.InDelta(t, loss.Loss, k1, 0.1*loss.Loss)
	k20, err := tester.IWAE(context.Background(), 20, 0)
	require.NoError(t, err)
	require.Less(t, k20, loss.Loss)

	cm, err := New(Config{Arch: ArchConv, Z: 4, Hidden: []int{16}, Channels: []int{4, 8}, Classes: 10}, 3)
	require.NoError(t, err)
	v := NewInference(cm)
	a, err := v.SampleClass(5, 3, 7)
	require.NoError(t, err)
	b, err := v.SampleClass(5, 4, 7)
	require.NoError(t, err)
	require.Len(t, a, 5*784)
	require.NotEqual(t, a, b, "the class reaches the conv decoder")
	for _, p := range a {
		require.True(t, p >= 0 && p <= 1)
	}
}

// TestConfigErrors: each configuration that cannot be built is refused
// with a message naming the problem.
func TestConfigErrors(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Arch: "resnet"}, `unknown architecture "resnet" (have: mlp, conv, conv-attn)`},
		{Config{Z: -1}, "latent size -1"},
		{Config{Height: -2}, "image size -2x28"},
		{Config{Hidden: []int{400, 0}}, "hidden sizes must be positive"},
		{Config{Beta: math.NaN()}, "β must be finite"},
		{Config{Beta: math.Inf(1)}, "β must be finite"},
		{Config{Classes: -1}, "classes must be from 0"},
		{Config{Channels: []int{32}}, "channels [32] are for the conv architecture"},
		{Config{Arch: ArchConv, Height: 30}, "divisible by 4; got 30x28"},
		{Config{Arch: ArchConv, Width: 26}, "divisible by 4; got 28x26"},
		{Config{Arch: ArchConv, Channels: []int{8, 8, 8}, Height: 28}, "divisible by 8; got 28x28"},
		{Config{Arch: ArchConv, Hidden: []int{256, 128}}, "one hidden Linear layer"},
		{Config{Arch: ArchConv, Hidden: []int{}}, "one hidden Linear layer"},
		{Config{Arch: ArchConv, Channels: []int{}}, "1 to 8 channel counts"},
		{Config{Arch: ArchConv, Channels: []int{32, 0}}, "channel counts must be positive"},
		{Config{Arch: ArchConv, ImageChannels: 2}, "image channels must be 1 (grey) or 3 (RGB), got 2"},
		{Config{ImageChannels: 3, Binarize: true}, "binarize is for grey images"},
		{Config{Arch: ArchConv, ImageChannels: 3, Binarize: true}, "the images have 3 channels"},
		{Config{Arch: ArchConv, ImageChannels: 3, Height: 30, Width: 30}, "divisible by 4; got 30x30"},
		{Config{Arch: ArchConv, AttentionStage: 1}, "attention stage 1 is for the conv-attn architecture"},
		{Config{AttentionStage: 1}, "attention stage 1 is for the conv-attn architecture"},
		{Config{Arch: ArchConvAttn, AttentionStage: 3}, "attention stage must be from 1 to 2"},
		{Config{Arch: ArchConvAttn, AttentionStage: -1}, "attention stage must be from 1 to 2"},
	}
	for _, c := range cases {
		_, err := New(c.cfg, 1)
		require.ErrorContains(t, err, c.want, "%+v", c.cfg)
	}
}
