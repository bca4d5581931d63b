package visual

import (
	"image"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGridDimensions(t *testing.T) {
	tests := []struct {
		name          string
		n, h, w, cols int
		wantW, wantH  int
	}{
		{"single", 1, 28, 28, 0, 32, 32},
		{"square auto", 16, 28, 28, 0, 4*28 + 5*2, 4*28 + 5*2},
		{"auto rounds cols up", 10, 28, 28, 0, 4*28 + 5*2, 3*28 + 4*2},
		{"explicit cols", 10, 28, 28, 5, 5*28 + 6*2, 2*28 + 3*2},
		{"cols beyond n shrink", 3, 28, 28, 10, 3*28 + 4*2, 28 + 2*2},
		{"one column", 7, 28, 28, 1, 28 + 2*2, 7*28 + 8*2},
		{"negative cols is auto", 4, 3, 5, -1, 2*5 + 3*2, 2*3 + 3*2},
		{"non-square tiles", 2, 3, 5, 0, 2*5 + 3*2, 3 + 2*2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Grid(make([]float32, tc.n*tc.h*tc.w), tc.n, tc.h, tc.w, tc.cols, 0, 1)
			require.NoError(t, err)
			assert.Equal(t, image.Rect(0, 0, tc.wantW, tc.wantH), img.Bounds(), "bounds")
		})
	}
}

func TestPixelMapping(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	tests := []struct {
		name    string
		v       float32
		lo, hi  float32
		want    uint8
		wantTol uint8
	}{
		{"lo is black", -1, -1, 1, 0, 0},
		{"hi is white", 1, -1, 1, 255, 0},
		{"mid is grey", 0, -1, 1, 128, 1},
		{"mid unit range", 0.5, 0, 1, 128, 1},
		{"quarter rounds", 0.25, 0, 1, 64, 0}, // 63.75
		{"below clamps", -7, -1, 1, 0, 0},
		{"above clamps", 3, -1, 1, 255, 0},
		{"+Inf clamps", inf, 0, 1, 255, 0},
		{"-Inf clamps", -inf, 0, 1, 0, 0},
		{"NaN is black", nan, 0, 1, 0, 0},
		{"byte range identity", 200, 0, 255, 200, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := []uint8{99}
			ToUint8([]float32{tc.v}, tc.lo, tc.hi, dst)
			assert.LessOrEqual(t, absDiff(dst[0], tc.want), tc.wantTol, "ToUint8(%v) = %d, want %d±%d", tc.v, dst[0], tc.want, tc.wantTol)
			img, err := Grid([]float32{tc.v}, 1, 1, 1, 0, tc.lo, tc.hi)
			require.NoError(t, err)
			assert.Equal(t, dst[0], img.GrayAt(gutter, gutter).Y, "Grid pixel against ToUint8")
		})
	}
}

func TestToUint8Lengths(t *testing.T) {
	tests := []struct {
		name string
		src  []float32
		dst  int
		want []uint8
	}{
		{"equal", []float32{0, 0.5, 1}, 3, []uint8{0, 128, 255}},
		{"short dst is not overrun", []float32{1, 1, 1}, 2, []uint8{255, 255}},
		{"long dst keeps tail", []float32{1}, 3, []uint8{255, 7, 7}},
		{"empty", nil, 1, []uint8{7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			buf := []uint8{7, 7, 7, 7}
			dst := buf[:tc.dst]
			ToUint8(tc.src, 0, 1, dst)
			for i, w := range tc.want {
				assert.Equal(t, w, dst[i], "dst[%d]", i)
			}
			assert.Equal(t, uint8(7), buf[tc.dst], "wrote past dst: %v", buf)
			assert.Equal(t, uint8(7), buf[3], "wrote past dst: %v", buf)
		})
	}
}

func TestToUint8DegenerateRange(t *testing.T) {
	dst := make([]uint8, 3)
	ToUint8([]float32{-1, 0.5, 2}, 0.5, 0.5, dst)
	assert.Equal(t, []uint8{0, 0, 255}, dst, "want the threshold at lo")
}

func TestGridTilePlacement(t *testing.T) {
	const n, h, w, cols = 5, 3, 4, 2
	// Every pixel of every tile gets a distinct byte value so a tile landing
	// in the wrong place, transposed or shifted by one, is caught.
	val := func(k, y, x int) uint8 { return uint8(1 + k*h*w + y*w + x) }
	data := make([]float32, n*h*w)
	for k := 0; k < n; k++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				data[k*h*w+y*w+x] = float32(val(k, y, x))
			}
		}
	}
	img, err := Grid(data, n, h, w, cols, 0, 255)
	require.NoError(t, err)
	// Origins written out by hand rather than derived from tileOrigin, so the
	// geometry itself is under test.
	origins := []image.Point{{2, 2}, {8, 2}, {2, 7}, {8, 7}, {2, 12}}
	covered := map[image.Point]bool{}
	for k, o := range origins {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p := o.Add(image.Pt(x, y))
				covered[p] = true
				assert.Equal(t, val(k, y, x), img.GrayAt(p.X, p.Y).Y, "tile %d pixel (%d,%d) at %v", k, x, y, p)
			}
		}
	}
	// Everything else, including the empty sixth cell, is gutter.
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if !covered[image.Pt(x, y)] {
				assert.Equal(t, uint8(gutterLevel), img.GrayAt(x, y).Y, "gutter pixel (%d,%d)", x, y)
			}
		}
	}
}

func TestGridErrors(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name    string
		len     int
		n, h, w int
		lo, hi  float32
	}{
		{"zero n", 0, 0, 2, 2, 0, 1},
		{"zero h", 0, 1, 0, 2, 0, 1},
		{"negative w", 2, 1, 2, -1, 0, 1},
		{"too few values", 7, 2, 2, 2, 0, 1},
		{"too many values", 9, 2, 2, 2, 0, 1},
		{"lo equals hi", 4, 1, 2, 2, 1, 1},
		{"lo above hi", 4, 1, 2, 2, 1, -1},
		{"NaN lo", 4, 1, 2, 2, nan, 1},
		{"Inf hi", 4, 1, 2, 2, 0, float32(math.Inf(1))},
		{"size overflow", 4, math.MaxInt / 2, 2, 2, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Grid(make([]float32, tc.len), tc.n, tc.h, tc.w, 0, tc.lo, tc.hi)
			require.Error(t, err)
		})
	}
}

func TestUpscale(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 2, 2))
	copy(src.Pix, []uint8{10, 20, 30, 40})
	offset := image.NewGray(image.Rect(0, 0, 4, 3)).SubImage(image.Rect(1, 1, 3, 3)).(*image.Gray)
	for y := 0; y < 2; y++ {
		for x := 0; x < 2; x++ {
			offset.Pix[offset.PixOffset(1+x, 1+y)] = src.Pix[y*2+x]
		}
	}
	tests := []struct {
		name  string
		img   *image.Gray
		k     int
		wantK int
	}{
		{"3x", src, 3, 3},
		{"1x copies", src, 1, 1},
		{"zero means 1x", src, 0, 1},
		{"negative means 1x", src, -2, 1},
		{"sub-image with offset", offset, 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := Upscale(tc.img, tc.k)
			require.NotNil(t, out)
			require.Equal(t, image.Rect(0, 0, 2*tc.wantK, 2*tc.wantK), out.Bounds(), "bounds")
			for y := 0; y < 2*tc.wantK; y++ {
				for x := 0; x < 2*tc.wantK; x++ {
					assert.Equal(t, src.Pix[(y/tc.wantK)*2+x/tc.wantK], out.GrayAt(x, y).Y, "(%d,%d)", x, y)
				}
			}
			out.Pix[0] = 255
			assert.NotEqual(t, uint8(255), tc.img.Pix[tc.img.PixOffset(tc.img.Rect.Min.X, tc.img.Rect.Min.Y)], "result aliases the input")
		})
	}
	assert.Nil(t, Upscale(nil, 2), "Upscale(nil)")
	assert.Nil(t, Upscale(src, math.MaxInt/2), "Upscale with an overflowing scale")
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}
