package visual

import (
	"errors"
	"fmt"
	"image"
	"math"
)

const (
	// gutter is the width in pixels of the border around and between tiles.
	gutter = 2
	// gutterLevel is dark grey rather than black so that tile edges remain
	// visible against the black backgrounds of MNIST-like samples.
	gutterLevel = 64
	// maxPixels bounds the images this package allocates, so absurd sizes
	// become errors instead of out-of-memory crashes.
	maxPixels = 1 << 30
)

// Grid tiles n images of h×w pixels into one greyscale image with cols
// columns (cols <= 0 chooses ceil(sqrt(n)); cols larger than n is reduced to
// n). images holds the n images back to back, each row-major. Values are
// clamped to [lo, hi] and mapped to 0..255 as ToUint8 does. Cells of the last
// row that have no image are left in the gutter colour.
func Grid(images []float32, n, h, w, cols int, lo, hi float32) (*image.Gray, error) {
	if n <= 0 || h <= 0 || w <= 0 {
		return nil, fmt.Errorf("visual: grid: need positive n, h, w; got n=%d h=%d w=%d", n, h, w)
	}
	if !(hi > lo) || isNaN32(lo) || isNaN32(hi) || isInf32(lo) || isInf32(hi) {
		return nil, fmt.Errorf("visual: grid: need finite lo < hi; got lo=%v hi=%v", lo, hi)
	}
	per, ok := mulOK(h, w)
	if !ok {
		return nil, errors.New("visual: grid: image size overflows")
	}
	total, ok := mulOK(per, n)
	if !ok {
		return nil, errors.New("visual: grid: total size overflows")
	}
	if len(images) != total {
		return nil, fmt.Errorf("visual: grid: %d images of %d×%d need %d values, got %d", n, h, w, total, len(images))
	}

	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(n))))
	}
	if cols > n {
		cols = n
	}
	rows := (n + cols - 1) / cols
	width, okW := gridSpan(cols, w)
	height, okH := gridSpan(rows, h)
	if !okW || !okH {
		return nil, errors.New("visual: grid: output size overflows")
	}
	if px, ok := mulOK(width, height); !ok || px > maxPixels {
		return nil, fmt.Errorf("visual: grid: output %d×%d is too large", width, height)
	}

	img := image.NewGray(image.Rect(0, 0, width, height))
	for i := range img.Pix {
		img.Pix[i] = gutterLevel
	}
	for k := 0; k < n; k++ {
		x0, y0 := tileOrigin(k, cols, h, w)
		src := images[k*per : (k+1)*per]
		for y := 0; y < h; y++ {
			ToUint8(src[y*w:(y+1)*w], lo, hi, img.Pix[(y0+y)*img.Stride+x0:])
		}
	}
	return img, nil
}

// tileOrigin is the top-left pixel of tile k; shared with the tests so that
// they check placement against the same geometry Grid uses.
func tileOrigin(k, cols, h, w int) (x, y int) {
	return gutter + (k%cols)*(w+gutter), gutter + (k/cols)*(h+gutter)
}

// gridSpan is the length of cells cells of size size each, with a gutter
// before, between and after them.
func gridSpan(cells, size int) (int, bool) {
	inner, ok := mulOK(cells, size+gutter)
	if !ok || inner > math.MaxInt-gutter {
		return 0, false
	}
	return inner + gutter, true
}

// ToUint8 maps float pixels in [lo, hi] to 0..255, rounding to nearest:
// lo and anything below it (and NaN) become 0, hi and anything above it
// become 255. It converts min(len(images), len(dst)) values, like copy, so a
// short dst is never written past its end. If hi <= lo the mapping
// degenerates to a threshold at lo.
func ToUint8(images []float32, lo, hi float32, dst []uint8) {
	n := min(len(images), len(dst))
	l, span := float64(lo), float64(hi)-float64(lo)
	for i := 0; i < n; i++ {
		dst[i] = level(float64(images[i]), l, span)
	}
}

// level is written so that every comparison failing (NaN input) falls
// through to black, and so it never divides by a non-positive span.
func level(v, lo, span float64) uint8 {
	if !(v > lo) {
		return 0
	}
	if !(span > 0) || v >= lo+span {
		return 255
	}
	return uint8(math.Round((v - lo) / span * 255))
}

// Upscale enlarges img k times by repeating each pixel in a k×k block
// (nearest neighbour), so small samples can be inspected without blurring.
// k < 1 is treated as 1, which returns a copy. The result starts at (0, 0).
// It returns nil if img is nil or the result would be unreasonably large.
func Upscale(img *image.Gray, k int) *image.Gray {
	if img == nil {
		return nil
	}
	k = max(k, 1)
	b := img.Bounds()
	w, okW := mulOK(b.Dx(), k)
	h, okH := mulOK(b.Dy(), k)
	if !okW || !okH {
		return nil
	}
	if px, ok := mulOK(w, h); !ok || px > maxPixels {
		return nil
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < b.Dy(); y++ {
		srcRow := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		dstRow := out.Pix[y*k*out.Stride:]
		for x := 0; x < b.Dx(); x++ {
			v := srcRow[x]
			for j := 0; j < k; j++ {
				dstRow[x*k+j] = v
			}
		}
		// The other k-1 output rows are identical to the first.
		for j := 1; j < k; j++ {
			copy(out.Pix[(y*k+j)*out.Stride:(y*k+j)*out.Stride+w], dstRow[:w])
		}
	}
	return out
}

// mulOK multiplies non-negative ints, reporting overflow.
func mulOK(a, b int) (int, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	if a != 0 && b > math.MaxInt/a {
		return 0, false
	}
	return a * b, true
}

func isNaN32(v float32) bool { return v != v }

func isInf32(v float32) bool { return math.IsInf(float64(v), 0) }
