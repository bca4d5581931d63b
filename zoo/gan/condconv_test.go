package gan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// tinyCondConv is tinyConv with three classes.
func tinyCondConv(arch string) Config {
	c := tinyConv(arch)
	c.Classes = 3
	return c
}

// TestClassNormGradients checks x·γ[y] + β[y] against finite differences,
// on maps and on features, with soft labels so that every class's row
// gets a gradient.
func TestClassNormGradients(t *testing.T) {
	for name, shape := range map[string][]int{"maps": {2, 4, 3, 2}, "features": {2, 4}} {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			n := NewClassNorm("cn", 3, 4)
			graphs.Normal(n.Gamma, 1, rng)
			graphs.Normal(n.Beta, 1, rng)
			x := graphs.NewParam("x", shape...)
			graphs.Normal(x, 1, rng)
			ps := append(n.Params(), x).ToFloat64()
			n64 := &ClassNorm{Gamma: ps[0], Beta: ps[1]}
			require.NoError(t, testutil.GradCheck(ps, func(b *graphs.Builder) *G.Node {
				y := b.Input("y", 2, 3)
				copy(graphs.Value(y).Data().([]float64), []float64{0.2, 0.5, 0.3, 0, 1, 0})
				w := b.Input("w", shape...) // a fixed weighting, so the loss is not a plain sum
				testutil.FillNormal(t, w, rand.New(rand.NewPCG(7, 8)), 1)
				return b.Sum(b.Mul(n64.Forward(b, b.Param(ps[2]), y), w))
			}, 0, 1e-6))
		})
	}
}

// TestClassNormValues: an untrained norm passes its input through, and a
// trained one applies its class's γ and β to every pixel of a channel.
func TestClassNormValues(t *testing.T) {
	n := NewClassNorm("cn", 2, 2)
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8} // one image, 2 channels of 2×2
	apply := func(label int) []float32 {
		b := graphs.NewBuilder()
		xs, y := b.Input("x", 1, 2, 2, 2), b.Input("y", 1, 2)
		copy(graphs.Value(xs).Data().([]float32), x)
		require.NoError(t, graphs.OneHot(graphs.Value(y).Data().([]float32), []int{label}, 2))
		out := b.Keep(n.Forward(b, xs, y))
		vm, err := b.Compile()
		require.NoError(t, err)
		require.NoError(t, vm.Run())
		return out.Float32s()
	}
	require.Equal(t, x, apply(1))
	copy(n.Gamma.Float32s(), []float32{1, 1, 2, -1}) // class 1: γ = (2, −1)
	copy(n.Beta.Float32s(), []float32{0, 0, 0.5, 1}) // class 1: β = (0.5, 1)
	require.Equal(t, x, apply(0))
	require.Equal(t, []float32{2.5, 4.5, 6.5, 8.5, -4, -5, -6, -7}, apply(1))

	// On features [batch, c], one value per channel.
	b := graphs.NewBuilder()
	xs, y := b.Input("x", 2, 2), b.Input("y", 2, 2)
	copy(graphs.Value(xs).Data().([]float32), []float32{1, 2, 3, 4})
	require.NoError(t, graphs.OneHot(graphs.Value(y).Data().([]float32), []int{0, 1}, 2))
	out := b.Keep(n.Forward(b, xs, y))
	vm, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, vm.Run())
	require.Equal(t, []float32{1, 2, 6.5, -3}, out.Float32s())
}

func TestConditionalConvLossGradients(t *testing.T) {
	packed := tinyCondConv("sagan")
	packed.DPack = 2
	for name, cfg := range map[string]Config{"dcgan": tinyCondConv("dcgan"), "sagan pack 2": packed} {
		t.Run(name, func(t *testing.T) {
			m, err := New(cfg, 3)
			require.NoError(t, err)
			rng := rand.New(rand.NewPCG(9, 9))
			for _, p := range m.Params() {
				switch {
				case p.Value.Shape().TotalSize() == 1 && len(p.Shape()) == 1:
					p.Float32s()[0] = 0.7 // attention's γ, so its path has a gradient
				case strings.Contains(p.Name, ".cnorm"):
					graphs.Normal(p, 1, rng) // classes that differ
				}
			}
			toFloat64(m)
			for _, sn := range m.SpectralNorms() {
				sn.Iterate()
			}
			fakeY := []int{1, 1, 0, 2}
			require.NoError(t, testutil.GradCheck(m.DiscParams().Trainable(), func(b *graphs.Builder) *G.Node {
				real, z, yr, yf := condBatch(t, b, m.Config.Pixels())
				return m.DiscLoss(b, m.Discriminate(b, real, yr), m.Discriminate(b, m.Generate(b, m.Gen, z, yf), yf))
			}, 0, 1e-5), "D loss wrt D")
			require.NoError(t, testutil.GradCheck(m.Gen.Params().Trainable(), func(b *graphs.Builder) *G.Node {
				z, y := b.Input("z", 4, 3), b.Input("y", 4, 3)
				testutil.FillNormal(t, z, rand.New(rand.NewPCG(2, 2)), 1)
				fillOneHot(y, fakeY, 3)
				return m.GenLoss(b, m.Discriminate(b, m.Generate(b, m.Gen, z, y), y))
			}, 0, 1e-5), "G loss wrt G")
		})
	}
}

// TestConditionalConvParams: a conditional convolutional model has the
// unconditional one's parameters (G's fc one label wider), then G's class
// norms after its own, and D's class embedding (spectrally normalised in
// sagan) after its own.
func TestConditionalConvParams(t *testing.T) {
	for _, arch := range []string{"dcgan", "sagan"} {
		cond, err := New(Config{Arch: arch, Classes: 10}, 1)
		require.NoError(t, err)
		plain, err := New(Config{Arch: arch}, 1)
		require.NoError(t, err)
		var got []string
		shapes := map[string][]int{}
		for _, p := range cond.Params() {
			got = append(got, p.Name)
			shapes[p.Name] = p.Shape()
		}
		var want []string
		for _, prefix := range []string{"gen.", "disc.", "gen_ema."} {
			for _, p := range plain.Params() {
				if strings.HasPrefix(p.Name, prefix) {
					want = append(want, p.Name)
					if p.Name != prefix+"fc.weight" || prefix == "disc." {
						require.Equal(t, p.Shape(), shapes[p.Name], "%s %s", arch, p.Name)
					}
				}
			}
			switch prefix {
			case "gen.", "gen_ema.":
				want = append(want, prefix+"cnorm1.gamma", prefix+"cnorm1.beta", prefix+"cnorm2.gamma", prefix+"cnorm2.beta")
			case "disc.":
				want = append(want, "disc.embed.weight")
				if arch == "sagan" {
					want = append(want, "disc.embed.weight_u", "disc.embed.weight_v")
				}
			}
		}
		require.Equal(t, want, got, arch)
		require.Equal(t, []int{64 * 7 * 7, 110}, shapes["gen.fc.weight"])
		require.Equal(t, []int{10, 64}, shapes["gen.cnorm1.gamma"])
		require.Equal(t, []int{10, 32}, shapes["gen.cnorm2.beta"])
		require.Equal(t, []int{10, 64 * 7 * 7}, shapes["disc.embed.weight"])
		for _, v := range cond.Params().Find("gen.cnorm2.gamma").Float32s() {
			require.Equal(t, float32(1), v, "γ starts at 1")
		}
		for _, v := range cond.Params().Find("gen.cnorm2.beta").Float32s() {
			require.Equal(t, float32(0), v, "β starts at 0")
		}
	}
}

// TestConditionalConvDiscriminatorSeesLabels: the same images with other
// labels get other logits, and a label reaches only its own row or pack.
func TestConditionalConvDiscriminatorSeesLabels(t *testing.T) {
	for _, pack := range []int{1, 2} {
		cfg := tinyCondConv("sagan")
		cfg.DPack = pack
		m, err := New(cfg, 4)
		require.NoError(t, err)
		b := graphs.NewBuilder()
		x, y := b.Input("x", 4, m.Config.Pixels()), b.Input("y", 4, 3)
		out := b.Keep(m.Discriminate(b, x, y))
		vm, err := b.Compile()
		require.NoError(t, err)
		testutil.FillNormal(t, x, rand.New(rand.NewPCG(3, 3)), 1)
		logits := func(labels []int) []float32 {
			require.NoError(t, graphs.OneHot(graphs.Value(y).Data().([]float32), labels, 3))
			require.NoError(t, vm.Run())
			return append([]float32(nil), out.Float32s()...)
		}
		a, other := logits([]int{0, 1, 2, 0}), logits([]int{0, 1, 2, 1})
		require.Len(t, a, 4/pack)
		last := len(a) - 1
		require.Equal(t, a[:last], other[:last], "pack %d", pack)
		require.NotEqual(t, a[last], other[last], "pack %d", pack)
	}
}

// TestConditionalConvCheckpointRoundTrip: a conditional dcgan and sagan,
// and an MLP GAN with class norms in G, trained a few steps, saved and
// loaded, draw the same images of each class, and other images for other
// classes.
func TestConditionalConvCheckpointRoundTrip(t *testing.T) {
	for arch, cfg := range map[string]Config{
		"dcgan":        {Arch: "dcgan", Classes: 10, GChannels: []int{8, 8}, DChannels: []int{8, 8}, Z: 8},
		"sagan":        {Arch: "sagan", Classes: 10, GChannels: []int{8, 8}, DChannels: []int{8, 8}, Z: 8},
		"mlp, G norm":  {Classes: 10, GCond: GCondNorm, Cond: CondProjection, GHidden: []int{16, 16}, DHidden: []int{16}, Z: 8, EMA: 0.9},
		"mlp, G every": {Classes: 10, GCond: GCondEvery, GHidden: []int{16}, DHidden: []int{16}, Z: 8},
	} {
		m, err := New(cfg, 1)
		require.NoError(t, err)
		s, err := NewStep(m, TrainConfig{Batch: 8}, 1)
		require.NoError(t, err)
		loader, err := datasets.NewLoader(datasets.Synthetic(32, 1), 8, 1, datasets.ScaleSigned)
		require.NoError(t, err)
		images, labels := make([]float32, 8*784), make([]int, 8)
		for step := range 3 {
			require.NoError(t, loader.Fill(0, step, images, labels))
			_, err := s.Run(images, labels)
			require.NoError(t, err)
		}
		c, err := trainer.Checkpoint(s, 3, 1, 1, nil)
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "c.safetensors")
		require.NoError(t, checkpoints.Save(path, c))
		g, err := LoadGenerator(path)
		require.NoError(t, err)
		require.Equal(t, m.Config, g.Config(), arch)
		for _, class := range []int{2, 7} {
			want, err := NewGenerator(m).GenerateClass(5, class, 3)
			require.NoError(t, err)
			got, err := g.GenerateClass(5, class, 3)
			require.NoError(t, err)
			require.Equal(t, want, got, "%s class %d", arch, class)
		}
		two, _ := g.GenerateClass(5, 2, 3)
		seven, _ := g.GenerateClass(5, 7, 3)
		require.NotEqual(t, two, seven, arch)
	}
}

// TestConditionalConvLearnsClasses trains a small conditional DCGAN on
// the ten synthetic shapes and checks that asking for class c draws
// images nearer class c's mean image than any other class's mean, for
// most images of every class.
func TestConditionalConvLearnsClasses(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a GAN")
	}
	const n, batch, classes, pixels, steps = 2000, 32, 10, 784, 300
	set := datasets.Synthetic(n, 3)
	loader, err := datasets.NewLoader(set, batch, 1, datasets.ScaleSigned)
	require.NoError(t, err)
	m, err := New(Config{Arch: "dcgan", Classes: classes, Z: 16, GChannels: []int{16, 8}, DChannels: []int{8, 16}}, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: batch, LR: 1e-3, Beta1: 0.5}, 1)
	require.NoError(t, err)
	images, labels := make([]float32, batch*pixels), make([]int, batch)
	for step := range steps {
		require.NoError(t, loader.Fill(step/(n/batch), step%(n/batch), images, labels))
		_, err := s.Run(images, labels)
		require.NoError(t, err)
	}
	means := classMeans(set, classes, pixels)
	g := NewGenerator(m)
	const per = 20
	for c := range classes {
		imgs, err := g.GenerateClass(per, c, 9)
		require.NoError(t, err)
		hits := 0
		for i := range per {
			if nearestMean(means, imgs[i*pixels:(i+1)*pixels]) == c {
				hits++
			}
		}
		t.Logf("class %d: %d/%d nearest to its mean", c, hits, per)
		require.GreaterOrEqual(t, hits, per*3/4, "class %d", c)
	}
}

// classMeans returns the mean image of each class of set, pixels in [0, 1].
func classMeans(set *datasets.Set, classes, pixels int) [][]float64 {
	means := make([][]float64, classes)
	counts := make([]int, classes)
	for c := range means {
		means[c] = make([]float64, pixels)
	}
	for i := range set.N {
		c := int(set.Labels[i])
		counts[c]++
		for j, v := range set.Images[i*pixels : (i+1)*pixels] {
			means[c][j] += float64(v) / 255
		}
	}
	for c := range means {
		for j := range means[c] {
			means[c][j] /= float64(counts[c])
		}
	}
	return means
}

// nearestMean returns the class whose mean image is nearest img.
func nearestMean(means [][]float64, img []float32) int {
	best, bestDist := -1, math.Inf(1)
	for k, mean := range means {
		d := 0.0
		for j, v := range img {
			d += (float64(v) - mean[j]) * (float64(v) - mean[j])
		}
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// TestCondModeGradients checks the D and G losses of every conditioning
// mode of the MLP GAN, D's and G's, packed and not, as the training step
// builds them (the AC-GAN terms included), against finite differences.
func TestCondModeGradients(t *testing.T) {
	type modes struct{ d, g string }
	var all []modes
	for _, mode := range CondModes {
		all = append(all, modes{d: mode})
	}
	for _, mode := range []string{CondJoined, CondProjection, CondACGAN} {
		all = append(all, modes{mode, GCondEvery}, modes{mode, GCondNorm})
	}
	for _, modes := range all {
		mode := modes.d
		for _, pack := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s, G %q, pack %d", mode, modes.g, pack), func(t *testing.T) {
				cfg := smallCond
				cfg.Cond, cfg.GCond, cfg.DPack = mode, modes.g, pack
				m, err := New(cfg, 3)
				require.NoError(t, err)
				rng := rand.New(rand.NewPCG(9, 9))
				for _, p := range m.Gen.Params() {
					if strings.Contains(p.Name, ".cnorm") {
						graphs.Normal(p, 1, rng) // classes that differ
					}
				}
				toFloat64(m)
				fakeY := []int{1, 1, 0, 2}
				require.NoError(t, testutil.GradCheck(m.DiscParams().Trainable(), func(b *graphs.Builder) *G.Node {
					real, z, yr, yf := condBatch(t, b, 6)
					rl, fl, classLoss, _ := m.discriminatePair(b, real, m.Generate(b, m.Gen, z, yf), yr, yf)
					require.Equal(t, mode == CondACGAN, classLoss != nil)
					loss := m.DiscLoss(b, rl, fl)
					if classLoss != nil {
						loss = b.Add(loss, classLoss)
					}
					return loss
				}, 0, 1e-5), "D loss wrt D")
				require.NoError(t, testutil.GradCheck(m.Gen.Params().Trainable(), func(b *graphs.Builder) *G.Node {
					z, y := b.Input("z", 4, 3), b.Input("y", 4, 3)
					testutil.FillNormal(t, z, rand.New(rand.NewPCG(2, 2)), 1)
					fillOneHot(y, fakeY, 3)
					logits, aux, _ := m.discriminateAux(b, m.Generate(b, m.Gen, z, y), y)
					loss := m.GenLoss(b, logits)
					if aux != nil {
						loss = b.Add(loss, m.classLoss(b, aux, y))
					}
					return loss
				}, 0, 1e-5), "G loss wrt G")
			})
		}
	}
}
