package vae

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
)

// colourSet returns the synthetic shapes tinted with one colour per class,
// 28×28×3 images stored channel after channel, so that a model must
// learn the colours as well as the shapes.
func colourSet(n int, seed uint64) *datasets.Set {
	grey := datasets.Synthetic(n, seed)
	tints := [10][3]float64{{1, 0.2, 0.2}, {0.2, 1, 0.2}, {0.2, 0.2, 1}, {1, 1, 0.2}, {1, 0.2, 1}, {0.2, 1, 1}, {1, 0.6, 0.2}, {0.6, 0.2, 1}, {1, 1, 1}, {0.5, 0.5, 0.5}}
	size := grey.H * grey.W
	s := &datasets.Set{Images: make([]uint8, 3*len(grey.Images)), Labels: grey.Labels, N: grey.N, C: 3, H: grey.H, W: grey.W, Source: "colour " + grey.Source}
	for i := range grey.N {
		for c, tint := range tints[grey.Labels[i]] {
			for j, p := range grey.Image(i) {
				s.Images[(3*i+c)*size+j] = uint8(tint * float64(p))
			}
		}
	}
	return s
}

// TestDefaultChannels pins the stages and the attention's place that the
// defaults choose for each image size; 28×28 keeps the model it always
// had.
func TestDefaultChannels(t *testing.T) {
	for _, c := range []struct {
		h, w      int
		channels  []int
		attention int // Config.AttentionStage of the default conv-attn
	}{
		{28, 28, []int{32, 64}, 0},
		{32, 32, []int{32, 64}, 0},
		{30, 30, []int{32, 64}, 0}, // refused by Validate: not divisible by 4
		{48, 48, []int{32, 64, 128}, 2},
		{64, 64, []int{32, 64, 128}, 2},
		{64, 32, []int{32, 64}, 2},
		{96, 64, []int{32, 64, 128}, 3},
		{128, 128, []int{32, 64, 128, 256}, 3},
		{1024, 1024, []int{32, 64, 128, 256, 256, 256, 256}, 6},
		{1 << 20, 1 << 20, []int{32, 64, 128, 256, 256, 256, 256, 256}, 8},
	} {
		require.Equal(t, c.channels, DefaultChannels(c.h, c.w), "%dx%d", c.h, c.w)
		cfg := Config{Arch: ArchConvAttn, Height: c.h, Width: c.w}.WithDefaults()
		require.Equal(t, c.channels, cfg.Channels, "%dx%d", c.h, c.w)
		require.Equal(t, c.attention, cfg.AttentionStage, "%dx%d", c.h, c.w)
		require.Equal(t, cfg, cfg.WithDefaults(), "WithDefaults applies twice as once")
		require.Zero(t, Config{Arch: ArchConv, Height: c.h, Width: c.w}.WithDefaults().AttentionStage, "conv has no attention")
	}
	// Given channels keep the block after the first stage, as a model
	// saved before the stage could be chosen has it.
	require.Zero(t, Config{Arch: ArchConvAttn, Channels: []int{4, 8, 8}, Height: 64, Width: 64}.WithDefaults().AttentionStage)
}

// TestColourShapes: the first convolution reads the image's channels, the
// last makes them, and a 64×64 conv-attn model gets a third stage and its
// attention on 16×16 maps, recorded in its metadata.
func TestColourShapes(t *testing.T) {
	m, err := New(Config{Arch: ArchConv, ImageChannels: 3, Height: 32, Width: 32}, 1)
	require.NoError(t, err)
	shapes := map[string][]int{}
	for _, p := range m.Params() {
		shapes[p.Name] = p.Shape()
	}
	require.Equal(t, []int{32, 3, 4, 4}, shapes["enc.conv1.weight"])
	require.Equal(t, []int{256, 64 * 8 * 8}, shapes["enc.fc1.weight"])
	require.Equal(t, []int{3, 32, 3, 3}, shapes["dec.conv2.weight"])
	require.Equal(t, []int{3}, shapes["dec.conv2.bias"])

	m, err = New(Config{Arch: ArchConvAttn, ImageChannels: 3, Height: 64, Width: 64}, 1)
	require.NoError(t, err)
	require.Equal(t, []int{32, 64, 128}, m.Config.Channels)
	require.Equal(t, 64, m.Enc.(*ConvEncoder).Attention.Channels, "after enc.conv2, on 16×16 maps")
	require.Equal(t, 64, m.Dec.(*ConvDecoder).Attention.Channels, "before dec.conv2, on 16×16 maps")
	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	require.Equal(t, []string{"enc.conv1.weight", "enc.conv1.bias", "enc.conv2.weight", "enc.conv2.bias", "enc.attn.f.weight"}, names[:5])
	require.Equal(t, []string{"dec.attn.gamma", "dec.conv2.weight", "dec.conv2.bias", "dec.conv3.weight", "dec.conv3.bias"}, names[len(names)-5:])
	meta, err := json.Marshal(m.Config)
	require.NoError(t, err)
	require.Contains(t, string(meta), `"image_channels":3`)
	require.Contains(t, string(meta), `"attention_stage":2`)

	// The 64×64 model trains: one step on random pixels gives a finite
	// loss, and a model rebuilt from its metadata has the same shapes.
	s, err := NewStep(m, TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	images := make([]float32, 2*m.Config.Pixels())
	for i := range images {
		images[i] = float32(i%7) / 6
	}
	l, err := s.Run(images, nil)
	require.NoError(t, err)
	require.False(t, math.IsNaN(l.Loss) || math.IsInf(l.Loss, 0))
	var saved Config
	require.NoError(t, json.Unmarshal(meta, &saved))
	rebuilt, err := New(saved, 2)
	require.NoError(t, err)
	require.Equal(t, m.Config, rebuilt.Config)
	for i, p := range rebuilt.Params() {
		require.Equal(t, m.Params()[i].Shape(), p.Shape(), p.Name)
	}
}

// TestColourTrainTestCheckpoint trains each architecture a few steps on
// colour images and checks what a run reads back: previews of C×H×W
// images, a finite test loss with an IWAE bound that k = 1 estimates
// and more samples tighten, and a checkpoint that rebuilds the model.
func TestColourTrainTestCheckpoint(t *testing.T) {
	set := colourSet(64, 1)
	test := colourSet(20, 2)
	for _, cfg := range []Config{
		{Z: 4, Hidden: []int{32}},
		{Arch: ArchConv, Z: 4, Hidden: []int{16}, Channels: []int{4, 8}},
		{Arch: ArchConvAttn, Z: 2, Hidden: []int{16}, Channels: []int{4, 8}},
	} {
		t.Run(cfg.WithDefaults().Arch, func(t *testing.T) {
			cfg.ImageChannels = set.Channels()
			m, err := New(cfg, 3)
			require.NoError(t, err)
			require.Equal(t, 3*28*28, m.Config.Pixels())
			s, err := NewStep(m, TrainConfig{Batch: 16}, 3)
			require.NoError(t, err)
			l, err := datasets.NewLoader(set, 16, 1, datasets.ScaleUnit)
			require.NoError(t, err)
			images := make([]float32, 16*m.Config.Pixels())
			var first []float32
			for i := range 10 {
				require.NoError(t, l.Fill(0, i%l.BatchesPerEpoch(), images, nil))
				_, err := s.Run(images, nil)
				require.NoError(t, err)
				if i == 0 {
					first = append(first, images...)
				}
			}

			ps, err := s.Previews()
			require.NoError(t, err)
			for _, p := range ps {
				require.Equal(t, 3, p.C, p.Name)
				require.Len(t, p.Images, p.N*3*28*28, p.Name)
			}
			require.Equal(t, first[:3*28*28], ps[0].Images[:3*28*28], "the reconstructions grid starts with a whole C×H×W image")
			if m.Config.Z == 2 {
				require.Equal(t, "manifold", ps[len(ps)-1].Name)
			}

			tester, err := NewTester(m, test, TestConfig{Batch: 7, Chunk: 11})
			require.NoError(t, err)
			loss, err := tester.Loss(context.Background())
			require.NoError(t, err)
			require.False(t, math.IsNaN(loss.Loss) || math.IsInf(loss.Loss, 0))
			require.Greater(t, loss.BCE, 0.0)
			k1, err := tester.IWAE(context.Background(), 1, 0)
			require.NoError(t, err)
			require.InDelta(t, loss.Loss, k1, 0.1*loss.Loss)
			k20, err := tester.IWAE(context.Background(), 20, 0)
			require.NoError(t, err)
			require.Less(t, k20, loss.Loss)
			_, err = NewTester(m, datasets.Synthetic(20, 2), TestConfig{})
			require.ErrorContains(t, err, "has 1x28x28 images (channels x height x width), the model 3x28x28")

			path := testutil.SaveFile(t, s, 10)
			loaded, err := checkpoints.Load(path)
			require.NoError(t, err)
			var meta map[string]any
			require.NoError(t, json.Unmarshal(loaded.Meta.Config, &meta))
			require.Equal(t, 3.0, meta["image_channels"])
			v, err := Load(path)
			require.NoError(t, err)
			want, err := NewInference(m).Reconstruct(images, nil)
			require.NoError(t, err)
			got, err := v.Reconstruct(images, nil)
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}
}
