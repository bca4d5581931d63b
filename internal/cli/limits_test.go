package cli

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/graphs"
)

func TestMemoryFlag(t *testing.T) {
	for in, want := range map[string]int64{
		"1000": 1000, "512MiB": 512 << 20, "8GiB": 8 << 30, "8gb": 8 << 30, "1.5G": 3 << 29, "2 TiB": 2 << 40, "64KiB": 64 << 10, "10B": 10,
	} {
		var m Memory
		require.NoError(t, m.Set(in), in)
		require.Equal(t, want, m.Bytes(), in)
	}
	for _, in := range []string{"", "lots", "-1GiB", "0", "GiB", "1e30", "NaN", "9223372036854775807GiB"} {
		var m Memory
		require.Error(t, m.Set(in), in)
	}
	var m Memory
	require.Equal(t, int64(0), m.Bytes(), "unset: the library's default")
	require.Equal(t, "4GiB", m.String())
}

func TestMemoryHint(t *testing.T) {
	var stderr bytes.Buffer
	err := fmt.Errorf("loading: %w", &graphs.MemoryError{What: "gan", Params: 1e9, ParamBytes: 16e9, Batch: 100, Limit: 4 << 30})
	require.Equal(t, 1, Exit(&stderr, "sample", err))
	require.Contains(t, stderr.String(), "more than the limit of 4 GiB (-max-memory raises the limit)\n")
	stderr.Reset()
	require.Equal(t, 1, Exit(&stderr, "sample", errors.New("other")))
	require.Equal(t, "sample: other\n", stderr.String())
}
