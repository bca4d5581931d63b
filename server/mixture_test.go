package server

import (
	"context"
	"encoding/json"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/zoo"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// TestMixtureOfGenerators: a GAN of several generators is served as any
// other: its images are the model's own, and a walk draws.
func TestMixtureOfGenerators(t *testing.T) {
	root := t.TempDir()
	g, err := gan.New(gan.Config{GHidden: []int{16}, DHidden: []int{8}, Z: 4, Generators: 3}, 3)
	require.NoError(t, err)
	gs, err := gan.NewStep(g, gan.TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	dir := filepath.Join(root, "mgan")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	saveRun(t, dir, gs, "train-gan")
	s, _ := newServer(t, root, Config{})

	m, err := zoo.Load(dir)
	require.NoError(t, err)
	want, err := m.Generate(context.Background(), 7, 9, -1)
	require.NoError(t, err)
	var got struct{ Images [][]float32 }
	rec := do(s.Handler(), "GET", "/api/generate?model=mgan&n=7&seed=9&format=json", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.Len(t, got.Images, 7)
	for i, img := range got.Images {
		require.Equal(t, want[i*784:(i+1)*784], img, "image %d", i)
	}

	rec = do(s.Handler(), "GET", "/api/walk?model=mgan&steps=4", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	img, err := png.Decode(rec.Body)
	require.NoError(t, err)
	require.Equal(t, 2+4*(28+2), img.Bounds().Dx())
}
