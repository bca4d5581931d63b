package visual

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSavePNGRoundTrip(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 5, 3))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 17)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(i * 3)
	}
	for i := 3; i < len(rgba.Pix); i += 4 {
		rgba.Pix[i] = 255 // opaque, so decoding does not premultiply
	}
	tests := []struct {
		name string
		img  image.Image
	}{
		{"gray", gray},
		{"rgba", rgba},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.png")
			// Write twice: the second save must replace the first cleanly.
			for range 2 {
				require.NoError(t, SavePNG(path, tc.img))
			}
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			got, err := png.Decode(f)
			require.NoError(t, err)
			require.Equal(t, tc.img.Bounds(), got.Bounds(), "bounds")
			b := got.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					require.True(t, sameColour(got.At(x, y), tc.img.At(x, y)), "pixel (%d,%d) = %v, want %v", x, y, got.At(x, y), tc.img.At(x, y))
				}
			}
			assertOnlyFiles(t, dir, "out.png")
		})
	}
}

func TestSavePNGErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		img  image.Image
	}{
		{"missing folder", filepath.Join(dir, "nope", "x.png"), image.NewGray(image.Rect(0, 0, 1, 1))},
		{"nil image", filepath.Join(dir, "nil.png"), nil},
		// png refuses empty images, which fails after the temp file exists.
		{"encode failure", filepath.Join(dir, "empty.png"), image.NewGray(image.Rect(0, 0, 0, 0))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := SavePNG(tc.path, tc.img)
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.path, "the error names the file")
			assertOnlyFiles(t, dir)
		})
	}
}

func assertOnlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var files []string
	for _, e := range entries {
		if !e.IsDir() {
			files = append(files, e.Name())
		}
	}
	assert.Equal(t, want, files, "files in the folder")
}

func sameColour(a, b color.Color) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}
