package checkpoints

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawFile assembles a safetensors file by hand so that tests can build
// files Save would never write.
func rawFile(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, data...)
}

// f32bytes encodes values the way the format stores them.
func f32bytes(vs ...float32) []byte {
	var out []byte
	for _, v := range vs {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	return out
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	return path
}

// sameTensors compares names, shapes and the exact bits of every value, so
// that -0, denormals and NaN payloads cannot hide behind float equality.
func sameTensors(t *testing.T, want, got []Tensor) {
	t.Helper()
	require.Len(t, got, len(want), "number of tensors")
	for i := range want {
		w, g := want[i], got[i]
		assert.Equal(t, w.Name, g.Name, "tensor %d: name", i)
		// slices.Equal, not assert.Equal: a nil and an empty shape are the same shape.
		assert.True(t, slices.Equal(w.Shape, g.Shape), "tensor %q: shape %v, want %v", w.Name, g.Shape, w.Shape)
		if !assert.Len(t, g.Data, len(w.Data), "tensor %q: number of values", w.Name) {
			continue
		}
		for j := range w.Data {
			assert.Equal(t, math.Float32bits(w.Data[j]), math.Float32bits(g.Data[j]), "tensor %q value %d: bits", w.Name, j)
		}
	}
}

// requireErr fails unless err is non-nil and its message contains every
// fragment.
func requireErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	require.Error(t, err, "want an error containing %q", fragments)
	for _, f := range fragments {
		assert.ErrorContains(t, err, f)
	}
}

// dirNames lists a folder so tests can spot leftover temporary files.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func sameBytes(t *testing.T, what string, want, got []byte) {
	t.Helper()
	assert.True(t, bytes.Equal(want, got), "%s: bytes differ (got %d bytes, want %d)", what, len(got), len(want))
}
