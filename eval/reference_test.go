package eval

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/zoo/classifier"
)

// TestEmbeddedClassifierSavesIdentically rebuilds the embedded classifier
// from its file and saves its weights again: the bytes are the file's, so
// the way parameters become tensors and back has not changed the format.
func TestEmbeddedClassifierSavesIdentically(t *testing.T) {
	c, err := checkpoints.Parse(ClassifierName, classifierFile)
	require.NoError(t, err)
	m, err := classifier.FromCheckpoint(c)
	require.NoError(t, err)
	w, err := classifier.Weights(m, c.Meta)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "clf.safetensors")
	require.NoError(t, checkpoints.Save(path, w))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, classifierFile, got)
}
