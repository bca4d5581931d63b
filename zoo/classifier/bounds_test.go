package classifier

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
		"default": {},
		"small":   {Channels: []int{4}, Kernel: 3, Hidden: 16, Classes: 3, Height: 12, Width: 9},
		"three":   {Channels: []int{4, 8, 8}, Kernel: 3, Height: 32, Width: 32},
		"colour":  {ImageChannels: 3, Height: 32, Width: 32},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := New(cfg, 1)
			require.NoError(t, err)
			require.Equal(t, int64(m.Params().Count()), m.Config.Footprint().Params)
		})
	}
}

// TestConfigBounds: sizes no machine can hold are refused by New before
// it allocates.
func TestConfigBounds(t *testing.T) {
	const maxInt = math.MaxInt
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"classes 1e9", Config{Classes: 1e9}, "classifier: the model needs"},
		{"hidden 1e9", Config{Hidden: 1e9}, "classifier: the model needs"},
		{"hidden max", Config{Hidden: maxInt, Classes: maxInt}, "more than 9e18 parameters"},
		{"channels max", Config{Channels: []int{maxInt, maxInt}}, "classifier: the model needs"},
		{"image 1e6", Config{Height: 1e6, Width: 1e6}, "classifier: the model needs"},
		{"image max, kernel 1", Config{Height: maxInt, Width: maxInt, Kernel: 1}, "classifier: the model needs"},
		{"blocks 1e5", Config{Channels: make([]int, 1e5)}, "at most 64 conv blocks"},
		{"kernel max", Config{Kernel: maxInt}, "too small"},
		{"negative classes", Config{Classes: -1}, "must be positive"},
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
