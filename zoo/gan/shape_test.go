package gan

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
)

// TestDefaultStages: two stages up to 32 pixels a side, one more for
// each doubling of the smaller side above, with the channel lists to
// match.
func TestDefaultStages(t *testing.T) {
	for _, c := range []struct {
		h, w   int
		stages int
		g, d   []int
	}{
		{28, 28, 2, []int{64, 32}, []int{32, 64}},
		{32, 32, 2, []int{64, 32}, []int{32, 64}},
		{8, 8, 2, []int{64, 32}, []int{32, 64}},
		{48, 48, 2, []int{64, 32}, []int{32, 64}},
		{64, 64, 3, []int{128, 64, 32}, []int{32, 64, 128}},
		{64, 128, 3, []int{128, 64, 32}, []int{32, 64, 128}},
		{128, 128, 4, []int{256, 128, 64, 32}, []int{32, 64, 128, 256}},
	} {
		require.Equal(t, c.stages, DefaultStages(c.h, c.w), "%dx%d", c.h, c.w)
		for _, arch := range []string{"dcgan", "sagan"} {
			cfg := Config{Arch: arch, Height: c.h, Width: c.w}.WithDefaults()
			require.Equal(t, c.g, cfg.GChannels, "%s %dx%d", arch, c.h, c.w)
			require.Equal(t, c.d, cfg.DChannels, "%s %dx%d", arch, c.h, c.w)
		}
	}
	// One list given sets the other's length.
	cfg := Config{Arch: "dcgan", GChannels: []int{8, 8, 8}}.WithDefaults()
	require.Equal(t, []int{32, 64, 128}, cfg.DChannels)
	cfg = Config{Arch: "dcgan", DChannels: []int{8}}.WithDefaults()
	require.Equal(t, []int{32}, cfg.GChannels)
}

// TestAttentionScale: SAGAN's attention acts on the largest maps of at
// most 16×16 between two stages, else on the smallest there are.
func TestAttentionScale(t *testing.T) {
	for _, c := range []struct {
		h, w  int
		g     []int
		scale int
	}{
		{28, 28, nil, 1},                 // 14×14, as before
		{32, 32, nil, 1},                 // 16×16
		{64, 64, nil, 2},                 // 16×16, not 32×32
		{128, 128, nil, 3},               // 16×16
		{64, 128, nil, 2},                // 32×16 is too wide: the smallest, 16×32
		{128, 128, []int{8, 8, 8, 8}, 3}, // 16×16
		{128, 128, []int{8, 8}, 1},       // only 64×64 between two stages
		{8, 8, []int{4, 4, 4}, 1},        // 4×4
	} {
		cfg := Config{Arch: "sagan", Height: c.h, Width: c.w, GChannels: c.g}.WithDefaults()
		require.Equal(t, c.scale, cfg.AttentionScale(), "%dx%d %v", c.h, c.w, c.g)
	}
}

// TestConvImageShapes: a convolutional G makes C channels and D reads a
// pack's Pack·C, through one stage per channel count; the attention
// blocks sit at the scale AttentionScale names; the images come out
// C·H·W long.
func TestConvImageShapes(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		// shapes of chosen parameters
		shapes map[string][]int
		absent []string
	}{
		{"dcgan 32x32x3", Config{Arch: "dcgan", ImageChannels: 3, Height: 32, Width: 32, GChannels: []int{8, 4}, DChannels: []int{4, 8}},
			map[string][]int{"gen.fc.weight": {8 * 8 * 8, 100}, "gen.conv2.weight": {3, 4, 3, 3}, "disc.conv1.weight": {4, 3, 4, 4}, "disc.fc.weight": {1, 8 * 8 * 8}},
			[]string{"gen.conv3.weight", "disc.conv3.weight"}},
		{"dcgan 64x64x3 pack 2", Config{Arch: "dcgan", ImageChannels: 3, Height: 64, Width: 64, GChannels: []int{8, 6, 4}, DChannels: []int{4, 6, 8}, DPack: 2},
			map[string][]int{"gen.fc.weight": {8 * 8 * 8, 100}, "gen.conv1.weight": {6, 8, 3, 3}, "gen.conv3.weight": {3, 4, 3, 3},
				"disc.conv1.weight": {4, 6, 4, 4}, "disc.conv3.weight": {8, 6, 4, 4}, "disc.fc.weight": {1, 8 * 8 * 8}},
			[]string{"gen.conv4.weight", "disc.conv4.weight", "gen.attn.gamma"}},
		{"sagan 64x64x3", Config{Arch: "sagan", ImageChannels: 3, Height: 64, Width: 64, GChannels: []int{8, 6, 4}, DChannels: []int{4, 6, 8}},
			// The attention blocks act on 16×16 maps: G's conv1 output (6
			// channels), D's conv2 output (6 channels).
			map[string][]int{"gen.attn.f.weight": {1, 6, 1, 1}, "disc.attn.v.weight": {6, 6 / 2, 1, 1}, "gen.conv3.weight": {3, 4, 3, 3}, "disc.conv1.weight": {4, 3, 4, 4}},
			nil},
		{"dcgan 16x8 grey one stage", Config{Arch: "dcgan", Height: 16, Width: 8, GChannels: []int{5}, DChannels: []int{7}},
			map[string][]int{"gen.fc.weight": {5 * 8 * 4, 100}, "gen.conv1.weight": {1, 5, 3, 3}, "disc.conv1.weight": {7, 1, 4, 4}, "disc.fc.weight": {1, 7 * 8 * 4}},
			[]string{"gen.conv2.weight", "disc.conv2.weight"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := New(c.cfg, 1)
			require.NoError(t, err)
			ps := m.Params()
			for name, shape := range c.shapes {
				p := ps.Find(name)
				require.NotNil(t, p, name)
				require.Equal(t, shape, p.Shape(), name)
			}
			for _, name := range c.absent {
				require.Nil(t, ps.Find(name), name)
			}
			require.Equal(t, int64(ps.Count()), m.Config.Footprint().Params)

			pixels := m.Config.Pixels()
			imgs, err := NewGenerator(m).Generate(4, 1)
			require.NoError(t, err)
			require.Len(t, imgs, 4*pixels)
			b := graphs.NewBuilder()
			x := b.Input("x", 4, pixels)
			copy(graphs.Value(x).Data().([]float32), imgs)
			logits := b.Keep(m.Disc.Forward(b, x, nil))
			vm, err := b.Compile()
			require.NoError(t, err)
			require.NoError(t, vm.Run())
			require.Len(t, logits.Float32s(), 4/max(m.Config.DPack, 1))
		})
	}
}

// TestColourSteps trains a few steps of each architecture on colour
// images and checks that the preview grid is drawn in colour.
func TestColourSteps(t *testing.T) {
	for _, cfg := range []Config{
		{ImageChannels: 3, Height: 8, Width: 8, GHidden: []int{16}, DHidden: []int{8}},
		{ImageChannels: 3, Height: 8, Width: 8, GHidden: []int{16}, DHidden: []int{8}, Classes: 3},
		{Arch: "dcgan", ImageChannels: 3, Height: 8, Width: 8, GChannels: []int{4, 4, 4}, DChannels: []int{4, 4, 4}, DPack: 2},
		{Arch: "sagan", ImageChannels: 3, Height: 8, Width: 8, GChannels: []int{8, 4}, DChannels: []int{4, 8}},
	} {
		t.Run(cfg.WithDefaults().Arch, func(t *testing.T) {
			set := colourSet(t, 32, cfg.Classes)
			loader, err := datasets.NewLoader(set, 8, 1, datasets.ScaleSigned)
			require.NoError(t, err)
			batch := make([]float32, 8*3*64)
			var labels []int
			if cfg.Classes > 0 {
				labels = make([]int, 8)
			}
			require.NoError(t, loader.Fill(0, 0, batch, labels))
			m, err := New(cfg, 1)
			require.NoError(t, err)
			s, err := NewStep(m, TrainConfig{Batch: 8}, 1)
			require.NoError(t, err)
			var first, last Losses
			for i := range 10 {
				l, err := s.Run(batch, labels)
				require.NoError(t, err)
				if i == 0 {
					first = l
				}
				last = l
			}
			require.NotEqual(t, first, last, "the losses should move")
			p, err := s.Previews()
			require.NoError(t, err)
			require.Len(t, p, 1)
			require.Equal(t, 3, p[0].C)
			require.Equal(t, []int{8, 8}, []int{p[0].H, p[0].W})
			require.Len(t, p[0].Images, p[0].N*3*64)
		})
	}
}

// colourSet returns n random 8×8 RGB images, labelled with classes
// classes when classes > 0.
func colourSet(t *testing.T, n, classes int) *datasets.Set {
	t.Helper()
	set := &datasets.Set{N: n, C: 3, H: 8, W: 8, Images: make([]uint8, n*3*64), Source: "colour"}
	for i := range set.Images {
		set.Images[i] = uint8(i * 37 % 251)
	}
	if classes > 0 {
		set.Labels = make([]uint8, n)
		for i := range set.Labels {
			set.Labels[i] = uint8(i % classes)
		}
	}
	return set
}
