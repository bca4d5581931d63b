package vae

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/internal/testutil"
)

// TestFootprintCountsParams: the footprint counts, from the configuration
// alone, exactly the parameters New makes.
func TestFootprintCountsParams(t *testing.T) {
	for name, cfg := range map[string]Config{
		"mlp":               {},
		"mlp-deep":          {Hidden: []int{64, 32, 16}, Z: 3},
		"conditional":       {Classes: 10},
		"label-layers":      {Hidden: []int{64, 32}, Classes: 10, LabelLayers: true},
		"conv-label-layers": {Arch: ArchConvAttn, Channels: []int{4, 8, 16}, Height: 16, Width: 16, Classes: 3, LabelLayers: true},
		"conv":              {Arch: ArchConv},
		"conv-3":            {Arch: ArchConv, Channels: []int{4, 8, 16}, Height: 32, Width: 16, Classes: 3},
		"conv-attn":         {Arch: ArchConvAttn},
		"conv-attn-1":       {Arch: ArchConvAttn, Channels: []int{8}},
		"mlp-rgb":           {ImageChannels: 3, Height: 32, Width: 32},
		"conv-rgb-32":       {Arch: ArchConv, ImageChannels: 3, Height: 32, Width: 32, Classes: 10},
		"conv-rgb-64":       {Arch: ArchConv, ImageChannels: 3, Height: 64, Width: 64},
		"conv-grey-64":      {Arch: ArchConv, Height: 64, Width: 64},
		"conv-attn-rgb-32":  {Arch: ArchConvAttn, ImageChannels: 3, Height: 32, Width: 32},
		"conv-attn-rgb-64":  {Arch: ArchConvAttn, ImageChannels: 3, Height: 64, Width: 64},
		"conv-attn-stage-3": {Arch: ArchConvAttn, ImageChannels: 3, Channels: []int{4, 8, 16}, AttentionStage: 3, Height: 16, Width: 24},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := New(cfg, 1)
			require.NoError(t, err)
			require.Equal(t, int64(m.Params().Count()), m.Config.Footprint().Params)
		})
	}
}

// TestConfigBounds: sizes no machine can hold are refused by New before
// it allocates, with an error that says what they would need.
func TestConfigBounds(t *testing.T) {
	const maxInt = math.MaxInt
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"hidden 65536 x3", Config{Hidden: []int{65536, 65536, 65536}}, "vae: the model needs"},
		{"hidden max", Config{Hidden: []int{maxInt}}, "more than 9e18 parameters"},
		{"z max", Config{Z: maxInt}, "vae: the model needs"},
		{"z max with classes", Config{Z: maxInt, Classes: 1}, "vae: the model needs"},
		{"classes 1e9", Config{Classes: 1e9}, "classes must be from 0"},
		{"image max", Config{Height: maxInt, Width: maxInt}, "vae: the model needs"},
		{"conv channels max", Config{Arch: ArchConv, Channels: []int{maxInt, maxInt}}, "vae: the model needs"},
		{"conv image 1<<20", Config{Arch: ArchConv, Height: 1 << 20, Width: 1 << 20}, "vae: the model needs"},
		{"conv-attn image 1024", Config{Arch: ArchConvAttn, Height: 1024, Width: 1024}, "vae: the model needs"},
		{"conv stages 1e5", Config{Arch: ArchConv, Channels: make([]int, 1e5)}, "got 100000"},
		{"layers 1e5", Config{Hidden: make([]int, 1e5)}, "at most 64 hidden layers"},
		{"negative z", Config{Z: -1}, "must be positive"},
		{"negative hidden", Config{Hidden: []int{-4}}, "hidden sizes must be positive"},
		{"negative classes", Config{Classes: -2}, "classes must be from 0"},
		{"limit of 1 MiB", Config{MaxMemory: 1 << 20}, "more than the limit of 1 MiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			alloc := testutil.Allocated(func() { _, err = New(c.cfg, 1) })
			require.ErrorContains(t, err, c.want)
			t.Log(err)
			require.NotContains(t, err.Error(), "\n")
			require.Less(t, alloc, uint64(16<<20), "refused only after allocating")
		})
	}
}

// TestSampleBounds: a count of images that cannot be held is refused
// before the prior is drawn.
func TestSampleBounds(t *testing.T) {
	m, err := New(Config{Hidden: []int{8}, Z: 2}, 1)
	require.NoError(t, err)
	inf := NewInference(m)
	for _, n := range []int{-1, 1e9, math.MaxInt} {
		var err error
		alloc := testutil.Allocated(func() { _, err = inf.Sample(n, 1) })
		require.Error(t, err, "n = %d", n)
		require.Less(t, alloc, uint64(16<<20))
	}
}
