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

// TestClassifierSHA256: the embedded classifier's digest is its file's,
// as FileSHA256 computes it for a -classifier file.
func TestClassifierSHA256(t *testing.T) {
	sum, err := FileSHA256("mnist-classifier.safetensors")
	require.NoError(t, err)
	require.Equal(t, sum, ClassifierSHA256())
	require.Len(t, sum, 64)
	other := filepath.Join(t.TempDir(), "other.safetensors")
	require.NoError(t, os.WriteFile(other, append([]byte{1}, classifierFile...), 0o644))
	otherSum, err := FileSHA256(other)
	require.NoError(t, err)
	require.NotEqual(t, sum, otherSum)
	_, err = FileSHA256(filepath.Join(t.TempDir(), "missing"))
	require.Error(t, err)
}
