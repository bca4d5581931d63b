package gan

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
)

// TestFootprintCountsParams: the footprint counts, from the configuration
// alone, exactly the parameters New makes.
func TestFootprintCountsParams(t *testing.T) {
	for name, cfg := range map[string]Config{
		"mlp":               {},
		"textbook":          {DDropout: -1, DPack: 1, EMA: -1},
		"conditional":       {Classes: 10, DPack: 2},
		"mbstd":             {DMinibatchStd: true, GHidden: []int{16}, DHidden: []int{8, 4}},
		"gman":              {Discriminators: 3, GHidden: []int{16}, DHidden: []int{8}},
		"dcgan":             {Arch: "dcgan"},
		"dcgan-pack":        {Arch: "dcgan", DPack: 2, GChannels: []int{8, 4}, DChannels: []int{4, 8}},
		"sagan":             {Arch: "sagan"},
		"sagan-16x8":        {Arch: "sagan", Height: 16, Width: 8, GChannels: []int{16, 8}, DChannels: []int{8, 16}},
		"mlp-rgb":           {ImageChannels: 3, Height: 32, Width: 32},
		"conditional-rgb":   {ImageChannels: 3, Height: 16, Width: 8, Classes: 4, DMinibatchStd: true},
		"dcgan-rgb-32":      {Arch: "dcgan", ImageChannels: 3, Height: 32, Width: 32},
		"dcgan-rgb-64-pack": {Arch: "dcgan", ImageChannels: 3, Height: 64, Width: 64, DPack: 2},
		"dcgan-one-stage":   {Arch: "dcgan", ImageChannels: 3, Height: 8, Width: 8, GChannels: []int{4}, DChannels: []int{5}},
		"sagan-rgb-64":      {Arch: "sagan", ImageChannels: 3, Height: 64, Width: 64},
		"sagan-rgb-64x128":  {Arch: "sagan", ImageChannels: 3, Height: 64, Width: 128, DPack: 2},
		"sagan-128":         {Arch: "sagan", Height: 128, Width: 128, GChannels: []int{16, 8, 8, 4}},
		"sagan-gman-rgb":    {Arch: "sagan", ImageChannels: 3, Height: 32, Width: 32, Discriminators: 2, Loss: "bce"},
		"cond-projection":   {Classes: 10, Cond: CondProjection},
		"cond-every-mbstd":  {Classes: 10, Cond: CondEvery, DMinibatchStd: true},
		"cond-acgan-pack":   {Classes: 10, Cond: CondACGAN, DPack: 2},
		"cond-dcgan":        {Arch: "dcgan", Classes: 10},
		"cond-sagan-pack":   {Arch: "sagan", Classes: 10, DPack: 2},
		"cond-sagan-rgb-64": {Arch: "sagan", ImageChannels: 3, Height: 64, Width: 64, Classes: 4},
		"mgan":              {Generators: 3},
		"mgan-gman":         {Generators: 2, Discriminators: 2, GHidden: []int{16}, DHidden: []int{8}},
		"mgan-cond-every":   {Generators: 2, Classes: 10, Cond: CondEvery},
		"mgan-dcgan-pack":   {Arch: "dcgan", Generators: 4, DPack: 2},
		"mgan-sagan-cond":   {Arch: "sagan", Generators: 2, Classes: 10},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := New(cfg, 1)
			require.NoError(t, err)
			require.Equal(t, int64(m.Params().Count()), m.Config.Footprint().Params)
		})
	}
}

// TestConfigBounds: sizes that a flag or a checkpoint can spell but no
// machine can hold are refused by New, within a few megabytes of
// allocation, with an error that says what they would need.
func TestConfigBounds(t *testing.T) {
	const maxInt = math.MaxInt
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"hidden 1e9", Config{GHidden: []int{1e9}}, "gan: the model needs"},
		{"z 1e9", Config{Z: 1e9}, "more than the limit of 4 GiB"},
		{"z max", Config{Z: maxInt}, "more than 9e18 parameters"},
		{"z max with classes", Config{Z: maxInt, Classes: maxInt}, "gan: the model needs"},
		{"classes 1e9", Config{Classes: 1e9}, "gan: the model needs"},
		{"discriminators 1e6", Config{Discriminators: 1e6}, "at most 64 discriminators"},
		{"discriminators 64 wide", Config{Discriminators: 64, DHidden: []int{1 << 20}}, "gan: the model needs"},
		{"d-pack 1e9", Config{DPack: 1e9}, "gan: the model needs"},
		{"d-pack max", Config{DPack: maxInt}, "gan: the model needs"},
		{"image max", Config{Height: maxInt, Width: maxInt}, "gan: the model needs"},
		{"image 1e5 square", Config{Height: 1e5, Width: 1e5}, "gan: the model needs"},
		{"dcgan channels 4096", Config{Arch: "dcgan", GChannels: []int{4096, 4096}}, "gan: the model needs"},
		{"dcgan channels max", Config{Arch: "dcgan", GChannels: []int{maxInt, maxInt}, DChannels: []int{maxInt, maxInt}}, "gan: the model needs"},
		{"dcgan image 4096", Config{Arch: "dcgan", Height: 4096, Width: 4096}, "gan: the model needs"},
		{"sagan image 1024", Config{Arch: "sagan", Height: 1024, Width: 1024}, "gan: the model needs"},
		{"layers 1e5", Config{GHidden: make([]int, 1e5)}, "at most 64 hidden layers"},
		{"zero hidden", Config{DHidden: []int{0}}, "hidden sizes must be positive"},
		{"layers 65", Config{GHidden: ones(65)}, "at most 64 hidden layers"},
		{"negative z", Config{Z: -5}, "must be positive"},
		{"negative classes", Config{Classes: -1}, "must not be negative"},
		{"negative pack", Config{DPack: -3}, "must not be negative"},
		{"negative discriminators", Config{Discriminators: -1}, "must not be negative"},
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

// TestMemoryErrorIs: the size errors match graphs.ErrMemoryLimit, so
// that commands can say which flag raises the limit.
func TestMemoryErrorIs(t *testing.T) {
	_, err := New(Config{GHidden: []int{1e9}}, 1)
	require.ErrorIs(t, err, graphs.ErrMemoryLimit)
	_, err = New(Config{Discriminators: 1e6}, 1)
	require.NotErrorIs(t, err, graphs.ErrMemoryLimit)
}

// TestRaisedLimit: a model refused under a small limit builds under a
// larger one.
func TestRaisedLimit(t *testing.T) {
	cfg := Config{GHidden: []int{64}, DHidden: []int{64}, MaxMemory: 64 << 10}
	_, err := New(cfg, 1)
	require.ErrorIs(t, err, graphs.ErrMemoryLimit)
	cfg.MaxMemory = 64 << 20
	_, err = New(cfg, 1)
	require.NoError(t, err)
}

// TestGenerateBounds: a count of images that cannot be held is refused
// before the noise is drawn.
func TestGenerateBounds(t *testing.T) {
	m, err := New(Config{GHidden: []int{8}, DHidden: []int{8}, Z: 4}, 1)
	require.NoError(t, err)
	g := NewGenerator(m)
	for _, n := range []int{-1, 1e9, math.MaxInt} {
		var err error
		alloc := testutil.Allocated(func() { _, err = g.Generate(n, 1) })
		require.Error(t, err, "n = %d", n)
		require.Less(t, alloc, uint64(16<<20))
	}
}

func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}
