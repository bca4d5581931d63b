package gan

import (
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
)

// tinyConv is a convolutional model small enough for finite differences.
func tinyConv(arch string) Config {
	return Config{Arch: arch, Z: 3, Height: 8, Width: 8, GChannels: []int{3, 4}, DChannels: []int{4, 3}}
}

// toFloat64 turns every parameter of m into a float64 copy in place, so
// the model's own networks build float64 graphs for gradient checks.
func toFloat64(m *Model) {
	for _, p := range m.Params() {
		src := p.Float32s()
		d := make([]float64, len(src))
		for i, v := range src {
			d[i] = float64(v)
		}
		p.Value = tensor.New(tensor.WithShape(p.Shape()...), tensor.WithBacking(d))
	}
}

func TestConvLossGradients(t *testing.T) {
	packed := tinyConv("dcgan")
	packed.DPack = 2
	spectral := tinyConv("dcgan")
	spectral.DNorm, spectral.Loss = "spectral", "hinge"
	// Colour, packed, three stages: G from 1×1 maps, D's conv1 reading
	// a pack's 2·3 channels, attention on 4×4 maps.
	colour := tinyConv("sagan")
	colour.ImageChannels, colour.DPack = 3, 2
	colour.GChannels, colour.DChannels = []int{3, 4, 2}, []int{2, 4, 3}
	cases := []struct {
		name string
		cfg  Config
	}{
		{"dcgan", tinyConv("dcgan")},
		{"dcgan pack 2", packed},
		{"dcgan spectral hinge", spectral},
		{"sagan", tinyConv("sagan")},
		{"sagan colour pack 2 three stages", colour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := New(c.cfg, 3)
			require.NoError(t, err)
			if m.Config.Arch == "sagan" {
				// γ starts at 0, which would leave the attention path without
				// gradient; a non-zero γ checks it.
				for _, p := range m.Params() {
					if p.Value.Shape().TotalSize() == 1 && len(p.Shape()) == 1 {
						p.Float32s()[0] = 0.7
					}
				}
			}
			toFloat64(m)
			for _, sn := range m.SpectralNorms() {
				sn.Iterate()
			}
			require.NoError(t, testutil.GradCheck(m.DiscParams().Trainable(), func(b *graphs.Builder) *G.Node {
				real, z := b.Input("real", 4, m.Config.Pixels()), b.Input("z", 4, 3)
				testutil.FillNormal(t, real, rand.New(rand.NewPCG(1, 1)), 1)
				testutil.FillNormal(t, z, rand.New(rand.NewPCG(2, 2)), 1)
				return m.DiscLoss(b, m.Disc.Forward(b, real, nil), m.Disc.Forward(b, m.Gen.Forward(b, z, nil), nil))
			}, 0, 1e-5), "D loss wrt D")
			require.NoError(t, testutil.GradCheck(m.Gen.Params().Trainable(), func(b *graphs.Builder) *G.Node {
				z := b.Input("z", 4, 3)
				testutil.FillNormal(t, z, rand.New(rand.NewPCG(2, 2)), 1)
				return m.GenLoss(b, m.Disc.Forward(b, m.Gen.Forward(b, z, nil), nil))
			}, 0, 1e-5), "G loss wrt G")
		})
	}
}

// TestHingeLossValues pins the hinge objectives to their definitions.
func TestHingeLossValues(t *testing.T) {
	b := graphs.NewBuilder()
	real, fake := b.Input("r", 3, 1), b.Input("f", 3, 1)
	copy(graphs.Value(real).Data().([]float32), []float32{2, 0.25, -1})
	copy(graphs.Value(fake).Data().([]float32), []float32{0.5, -3, -0.5})
	ld, lg := b.Keep(HingeDiscriminatorLoss(b, real, fake)), b.Keep(HingeGeneratorLoss(b, fake))
	vm, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, vm.Run())
	wantD := (0+0.75+2)/3.0 + (1.5+0+0.5)/3.0
	require.InDelta(t, wantD, ld.Scalar(), 1e-6)
	require.InDelta(t, 1.0, lg.Scalar(), 1e-6)
}

func TestConvShapesAndNames(t *testing.T) {
	cases := []struct {
		arch     string
		cfg      Config
		names    []string
		absent   []string
		gParams  int
		buffers  int
		spectral int
	}{
		{"dcgan", Config{Arch: "dcgan"},
			[]string{"gen.fc.weight", "gen.conv1.weight", "gen.conv2.bias", "disc.conv1.weight", "disc.conv2.weight", "disc.fc.weight"},
			[]string{"disc.conv1.weight_u", "gen.attn.gamma"}, 100*64*49 + 64*49 + 32*64*9 + 32 + 32*9 + 1, 0, 0},
		{"sagan", Config{Arch: "sagan"},
			[]string{"gen.fc.weight", "gen.attn.f.weight", "gen.attn.gamma", "disc.attn.h.weight", "disc.attn.gamma",
				"disc.conv1.weight_u", "disc.conv1.weight_v", "disc.fc.weight_u", "disc.attn.g.weight_v"},
			[]string{"gen.attn.f.weight_u"}, 0, 14, 7},
	}
	for _, c := range cases {
		t.Run(c.arch, func(t *testing.T) {
			m, err := New(c.cfg, 1)
			require.NoError(t, err)
			ps := m.Params()
			for _, n := range c.names {
				require.NotNil(t, ps.Find(n), n)
			}
			for _, n := range c.absent {
				require.Nil(t, ps.Find(n), n)
			}
			if c.gParams > 0 {
				require.Equal(t, c.gParams, m.Gen.Params().Count())
			}
			var buffers int
			for _, p := range ps {
				if p.Buffer {
					buffers++
					require.True(t, len(p.Name) > 2 && (p.Name[len(p.Name)-2:] == "_u" || p.Name[len(p.Name)-2:] == "_v"), p.Name)
				}
			}
			// sagan: a u and a v per normalised layer of D (conv1, conv2,
			// fc, and the attention block's f, g, h and v).
			require.Equal(t, c.buffers, buffers)
			require.Equal(t, c.spectral, len(m.SpectralNorms()))

			imgs, err := NewGenerator(m).Generate(5, 1)
			require.NoError(t, err)
			require.Len(t, imgs, 5*784)
			for _, v := range imgs {
				require.True(t, v >= 0 && v <= 1, "pixel %v", v)
			}
		})
	}
}

func TestConvConfigValidation(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Arch: "dcgan", Height: 30}, "divisible by 4"},
		{Config{Arch: "dcgan", GChannels: []int{4}, DChannels: []int{4, 8}}, "channel"},
		{Config{Arch: "dcgan", GChannels: []int{8, 8, 8}}, "with 3 stages needs image sides divisible by 8, got 28x28"},
		{Config{Arch: "dcgan", Height: 96, Width: 100}, "with 3 stages needs image sides divisible by 8, got 96x100"},
		{Config{Arch: "sagan", GChannels: []int{8}}, "at least two stages"},
		{Config{Arch: "dcgan", ImageChannels: 2}, "1 (grey) or 3 (RGB)"},
		{Config{Arch: "sagan", DChannels: []int{4, 0}}, "channel"},
		{Config{Arch: "dcgan", DMinibatchStd: true}, "minibatch"},
		{Config{DNorm: "spectral"}, "spectral"},
		{Config{Arch: "dcgan", Loss: "wasserstein"}, "wasserstein"},
		{Config{Arch: "sagan", Discriminators: 2}, "hinge"},
		{Config{Arch: "vit"}, "dcgan, sagan"},
	}
	for _, c := range cases {
		_, err := New(c.cfg, 1)
		require.ErrorContains(t, err, c.want, "%+v", c.cfg)
	}
	d := Config{Arch: "dcgan"}.WithDefaults()
	require.Equal(t, "bce", d.Loss)
	require.Equal(t, "none", d.DNorm)
	s := Config{Arch: "sagan"}.WithDefaults()
	require.Equal(t, "hinge", s.Loss)
	require.Equal(t, "spectral", s.DNorm)
}

// TestConvStep trains a few steps of each convolutional model: D learns
// to tell the real batch apart, the power iteration moves u, and a
// checkpoint brings back weights and buffers bit-equal.
func TestConvStep(t *testing.T) {
	for _, arch := range []string{"dcgan", "sagan"} {
		t.Run(arch, func(t *testing.T) {
			cfg := Config{Arch: arch, GChannels: []int{8, 4}, DChannels: []int{4, 8}, DPack: 2, EMA: 0.9}
			set := datasets.Synthetic(64, 1)
			loader, err := datasets.NewLoader(set, 16, 1, datasets.ScaleSigned)
			require.NoError(t, err)
			batch := make([]float32, 16*784)
			require.NoError(t, loader.Fill(0, 0, batch, nil))
			m, err := New(cfg, 1)
			require.NoError(t, err)
			s, err := NewStep(m, TrainConfig{Batch: 16, LRD: 4e-4, LRG: 1e-4, Beta1: -1, Beta2: 0.9}, 1)
			require.NoError(t, err)
			require.InDelta(t, 4e-4, s.OptD.LR, 1e-12)
			require.InDelta(t, 1e-4, s.OptG.LR, 1e-12)
			var u0 []float32
			if sns := m.SpectralNorms(); len(sns) > 0 {
				u0 = append(u0, sns[0].U.Float32s()...)
			}
			first, err := s.Run(batch, nil)
			require.NoError(t, err)
			var last Losses
			for range 15 {
				last, err = s.Run(batch, nil)
				require.NoError(t, err)
			}
			require.Less(t, last.D, first.D, "the D loss should fall on a fixed batch")
			require.Greater(t, last.DReal, last.DFake, "D should score the real batch above the fakes")
			if u0 != nil {
				require.NotEqual(t, u0, m.SpectralNorms()[0].U.Float32s(), "the power iteration should move u")
			}

			loaded, err := checkpoints.Load(testutil.SaveFile(t, s, 16))
			require.NoError(t, err)
			m2, err := FromCheckpoint(loaded)
			require.NoError(t, err)
			for i, p := range m.Params() {
				q := m2.Params()[i]
				require.Equal(t, p.Name, q.Name)
				require.Equal(t, p.Buffer, q.Buffer, p.Name)
				for j, v := range p.Float32s() {
					require.Equal(t, math.Float32bits(v), math.Float32bits(q.Float32s()[j]), "%s[%d]", p.Name, j)
				}
			}
			a, err := NewGenerator(m).Generate(4, 3)
			require.NoError(t, err)
			b, err := NewGenerator(m2).Generate(4, 3)
			require.NoError(t, err)
			require.Equal(t, a, b)
		})
	}
}
