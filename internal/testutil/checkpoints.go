package testutil

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// CraftedCheckpoint writes, in a temporary folder, a checkpoint of kind
// whose metadata holds config as the model's configuration (whatever it
// asks for), and one small tensor; it returns the file's path.
func CraftedCheckpoint(t testing.TB, kind, config string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crafted.safetensors")
	require.NoError(t, checkpoints.Save(path, &checkpoints.Checkpoint{
		Meta:    checkpoints.Meta{Kind: kind, Config: json.RawMessage(config)},
		Tensors: []checkpoints.Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}},
	}))
	return path
}

// SaveWithNaN saves c in a temporary folder with the first value of its
// first tensor replaced by a NaN, which checkpoints.Save refuses to
// write: the file is patched after saving. It returns the file's path.
func SaveWithNaN(t testing.TB, c *checkpoints.Checkpoint) string {
	t.Helper()
	const marker = float32(12345.678)
	c.Tensors[0].Data[0] = marker
	path := filepath.Join(t.TempDir(), "nan.safetensors")
	require.NoError(t, checkpoints.Save(path, c))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var from, to [4]byte
	binary.LittleEndian.PutUint32(from[:], math.Float32bits(marker))
	binary.LittleEndian.PutUint32(to[:], math.Float32bits(float32(math.NaN())))
	require.Equal(t, 1, bytes.Count(raw, from[:]), "the marker value must occur once")
	require.NoError(t, os.WriteFile(path, bytes.Replace(raw, from[:], to[:], 1), 0o644))
	return path
}
