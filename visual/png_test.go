package visual

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
				if err := SavePNG(path, tc.img); err != nil {
					t.Fatal(err)
				}
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds() != tc.img.Bounds() {
				t.Fatalf("bounds %v, want %v", got.Bounds(), tc.img.Bounds())
			}
			b := got.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if !sameColour(got.At(x, y), tc.img.At(x, y)) {
						t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got.At(x, y), tc.img.At(x, y))
					}
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
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name %s", err, tc.path)
			}
			assertOnlyFiles(t, dir)
		})
	}
}

func assertOnlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() {
			files = append(files, e.Name())
		}
	}
	if strings.Join(files, ",") != strings.Join(want, ",") {
		t.Errorf("folder holds %v, want %v", files, want)
	}
}

func sameColour(a, b color.Color) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}
