package graphs

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// TestTensorsRoundTrip saves parameters through their tensors and loads
// them into fresh parameters of the same names and shapes: the values
// arrive, because the tensors alias the parameters both ways.
func TestTensorsRoundTrip(t *testing.T) {
	w, b, s := NewParam("fc.weight", 2, 3), NewParam("fc.bias", 2), NewParam("scale", 1)
	for i := range w.Float32s() {
		w.Float32s()[i] = float32(i) - 2.5
	}
	b.Float32s()[1] = 7
	s.Float32s()[0] = -1
	ps := Params{w, b, s}

	ts := ps.Tensors()
	require.Len(t, ts, 3)
	for i, want := range []struct {
		name  string
		shape []int
	}{{"fc.weight", []int{2, 3}}, {"fc.bias", []int{2}}, {"scale", []int{1}}} {
		require.Equal(t, want.name, ts[i].Name)
		require.Equal(t, want.shape, ts[i].Shape)
	}
	ts[1].Data[0] = 4
	require.Equal(t, float32(4), b.Float32s()[0], "a tensor aliases its parameter")
	b.Float32s()[0] = 0

	path := filepath.Join(t.TempDir(), "p.safetensors")
	require.NoError(t, checkpoints.Save(path, &checkpoints.Checkpoint{Meta: checkpoints.Meta{Kind: "test"}, Tensors: ps.Tensors()}))
	c, err := checkpoints.Load(path)
	require.NoError(t, err)
	fresh := Params{NewParam("fc.weight", 2, 3), NewParam("fc.bias", 2), NewParam("scale", 1)}
	require.NoError(t, c.LoadParams("test", fresh))
	for i := range ps {
		require.Equal(t, ps[i].Float32s(), fresh[i].Float32s(), ps[i].Name)
	}
	require.ErrorContains(t, c.LoadParams("test", Params{NewParam("fc.bias", 3)}), `"fc.bias" has shape [2], want [3]`)
}
