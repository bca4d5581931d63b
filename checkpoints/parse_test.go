package checkpoints

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseMatchesLoad(t *testing.T) {
	c := &Checkpoint{
		Meta:    Meta{Kind: "classifier", Step: 5, Extra: map[string]string{"test_accuracy": "0.99"}},
		Tensors: []Tensor{{Name: "fc.weight", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}, {Name: "fc.bias", Shape: []int{2}, Data: []float32{-1, 1}}},
	}
	path := filepath.Join(t.TempDir(), "c.safetensors")
	require.NoError(t, Save(path, c))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	loaded, err := Load(path)
	require.NoError(t, err)
	parsed, err := Parse("embedded.safetensors", data)
	require.NoError(t, err)
	require.Equal(t, loaded.Meta, parsed.Meta)
	require.Equal(t, loaded.Tensors, parsed.Tensors)
	data[len(data)-1] ^= 0xff // the tensors are copies, not views of data
	require.Equal(t, loaded.Tensors, parsed.Tensors)

	require.ErrorContains(t, parsed.Expect("gan", nil), "embedded.safetensors")
	_, err = Parse("embedded.safetensors", data[:20])
	require.ErrorContains(t, err, "checkpoints: embedded.safetensors:")
}
