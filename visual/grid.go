package visual

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
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

// Shape is the layout of one image: C channels of H×W pixels, stored
// channel after channel (CHW), each channel row-major. C is 1 (grey; 0
// means 1) or 3 (red, green, blue).
type Shape struct {
	C, H, W int
}

// channels is s.C with 0 read as 1.
func (s Shape) channels() int {
	if s.C == 0 {
		return 1
	}
	return s.C
}

// String writes the shape as channels×height×width.
func (s Shape) String() string { return fmt.Sprintf("%d×%d×%d", s.channels(), s.H, s.W) }

// check reports a shape that cannot be drawn, naming it, and returns the
// number of values of one image.
func (s Shape) check() (int, error) {
	if c := s.channels(); c != 1 && c != 3 {
		return 0, fmt.Errorf("shape %v: %d channels; want 1 (grey) or 3 (RGB)", s, s.C)
	}
	if s.H <= 0 || s.W <= 0 {
		return 0, fmt.Errorf("shape %v: need a positive height and width", s)
	}
	hw, ok := mulOK(s.H, s.W)
	per, ok2 := mulOK(hw, s.channels())
	if !ok || !ok2 {
		return 0, fmt.Errorf("shape %v: image size overflows", s)
	}
	return per, nil
}

// Grid tiles n images of shape s into one image with cols columns (cols
// <= 0 chooses ceil(sqrt(n)); cols larger than n is reduced to n). images
// holds the n images back to back, each in CHW order. Values are clamped
// to [lo, hi] and mapped to 0..255 as ToUint8 does. Cells of the last row
// that have no image are left in the gutter colour. Grey images (s.C 0 or
// 1) give an *image.Gray, colour images (s.C 3) an opaque *image.RGBA.
func Grid(images []float32, n int, s Shape, cols int, lo, hi float32) (image.Image, error) {
	if n <= 0 {
		return nil, fmt.Errorf("visual: grid: need a positive number of images; got %d", n)
	}
	per, err := s.check()
	if err != nil {
		return nil, fmt.Errorf("visual: grid: %w", err)
	}
	if err := checkRange(lo, hi); err != nil {
		return nil, fmt.Errorf("visual: grid: %w", err)
	}
	total, ok := mulOK(per, n)
	if !ok {
		return nil, errors.New("visual: grid: total size overflows")
	}
	if len(images) != total {
		return nil, fmt.Errorf("visual: grid: %d images of %v need %d values, got %d", n, s, total, len(images))
	}

	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(n))))
	}
	if cols > n {
		cols = n
	}
	rows := (n + cols - 1) / cols
	width, okW := gridSpan(cols, s.W)
	height, okH := gridSpan(rows, s.H)
	if !okW || !okH {
		return nil, errors.New("visual: grid: output size overflows")
	}
	if px, ok := mulOK(width, height); !ok || px > maxPixels {
		return nil, fmt.Errorf("visual: grid: output %d×%d is too large", width, height)
	}

	c := newCanvas(width, height, s.channels() == 1)
	c.fill(gutterLevel)
	for k := 0; k < n; k++ {
		x0, y0 := tileOrigin(k, cols, s.H, s.W)
		c.paint(x0, y0, images[k*per:(k+1)*per], s, lo, hi)
	}
	return c.img, nil
}

// Image draws one image of shape s (its values in CHW order, as Grid
// takes them) at its own size, without a gutter: an *image.Gray for grey
// images, an opaque *image.RGBA for colour ones.
func Image(pixels []float32, s Shape, lo, hi float32) (image.Image, error) {
	per, err := s.check()
	if err != nil {
		return nil, fmt.Errorf("visual: image: %w", err)
	}
	if err := checkRange(lo, hi); err != nil {
		return nil, fmt.Errorf("visual: image: %w", err)
	}
	if len(pixels) != per {
		return nil, fmt.Errorf("visual: image: an image of %v needs %d values, got %d", s, per, len(pixels))
	}
	if s.H*s.W > maxPixels {
		return nil, fmt.Errorf("visual: image: %v is too large", s)
	}
	c := newCanvas(s.W, s.H, s.channels() == 1)
	c.paint(0, 0, pixels, s, lo, hi)
	return c.img, nil
}

func checkRange(lo, hi float32) error {
	if !(hi > lo) || isNaN32(lo) || isNaN32(hi) || isInf32(lo) || isInf32(hi) {
		return fmt.Errorf("need finite lo < hi; got lo=%v hi=%v", lo, hi)
	}
	return nil
}

// canvas is an *image.Gray (one byte a pixel) or an *image.RGBA (four)
// seen through the pixel buffer both keep.
type canvas struct {
	img    image.Image
	pix    []uint8
	stride int
	bpp    int // bytes per pixel
}

// newCanvas allocates a width×height image, grey or RGB, opaque black.
func newCanvas(width, height int, grey bool) canvas {
	r := image.Rect(0, 0, width, height)
	if grey {
		g := image.NewGray(r)
		return canvas{img: g, pix: g.Pix, stride: g.Stride, bpp: 1}
	}
	c := image.NewRGBA(r)
	for i := 3; i < len(c.Pix); i += 4 {
		c.Pix[i] = 255
	}
	return canvas{img: c, pix: c.Pix, stride: c.Stride, bpp: 4}
}

// fill paints every pixel the grey level v, keeping alpha.
func (c canvas) fill(v uint8) {
	for i := range c.pix {
		if c.bpp == 1 || i%4 != 3 {
			c.pix[i] = v
		}
	}
}

// paint draws one CHW image of shape s with its top-left pixel at (x0, y0).
func (c canvas) paint(x0, y0 int, src []float32, s Shape, lo, hi float32) {
	plane := s.H * s.W
	l, span := float64(lo), float64(hi)-float64(lo)
	for y := 0; y < s.H; y++ {
		row := c.pix[(y0+y)*c.stride+x0*c.bpp:]
		if c.bpp == 1 {
			ToUint8(src[y*s.W:(y+1)*s.W], lo, hi, row)
			continue
		}
		for ch := 0; ch < 3; ch++ {
			for x, v := range src[ch*plane+y*s.W : ch*plane+(y+1)*s.W] {
				row[x*4+ch] = level(float64(v), l, span)
			}
		}
	}
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
// k < 1 is treated as 1, which returns a copy. The result starts at (0, 0)
// and is an *image.Gray for an *image.Gray, else an *image.RGBA. It
// returns nil if img is nil or the result would be unreasonably large.
func Upscale(img image.Image, k int) image.Image {
	if isNil(img) {
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
	var src canvas
	switch m := img.(type) {
	case *image.Gray:
		src = canvas{img: m, pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], stride: m.Stride, bpp: 1}
	case *image.RGBA:
		src = canvas{img: m, pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], stride: m.Stride, bpp: 4}
	default:
		rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
		src = canvas{img: rgba, pix: rgba.Pix, stride: rgba.Stride, bpp: 4}
	}
	out := newCanvas(w, h, src.bpp == 1)
	rowBytes := w * src.bpp
	for y := 0; y < b.Dy(); y++ {
		srcRow := src.pix[y*src.stride:]
		dstRow := out.pix[y*k*out.stride:]
		for x := 0; x < b.Dx(); x++ {
			v := srcRow[x*src.bpp : (x+1)*src.bpp]
			for j := 0; j < k; j++ {
				copy(dstRow[(x*k+j)*src.bpp:], v)
			}
		}
		// The other k-1 output rows are identical to the first.
		for j := 1; j < k; j++ {
			copy(out.pix[(y*k+j)*out.stride:(y*k+j)*out.stride+rowBytes], dstRow[:rowBytes])
		}
	}
	return out.img
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
