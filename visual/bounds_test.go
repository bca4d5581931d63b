package visual

import (
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSavePNGTypedNil: Upscale's nil for an outsized request, passed on
// as an image.Image, is an error and leaves no file, not a nil
// dereference.
func TestSavePNGTypedNil(t *testing.T) {
	dir := t.TempDir()
	big := Upscale(image.NewGray(image.Rect(0, 0, 3002, 3002)), 64)
	require.Nil(t, big)
	require.ErrorContains(t, SavePNG(filepath.Join(dir, "g.png"), big), "nil image")
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, left)
}
