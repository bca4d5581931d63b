package visual

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/png"
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
			img, err := Grid(make([]float32, tc.n*tc.h*tc.w), tc.n, Shape{H: tc.h, W: tc.w}, tc.cols, 0, 1)
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
			img, err := Grid([]float32{tc.v}, 1, Shape{H: 1, W: 1}, 0, tc.lo, tc.hi)
			require.NoError(t, err)
			assert.Equal(t, dst[0], img.(*image.Gray).GrayAt(gutter, gutter).Y, "Grid pixel against ToUint8")
			rgb, err := Grid([]float32{tc.v, tc.v, tc.v}, 1, Shape{C: 3, H: 1, W: 1}, 0, tc.lo, tc.hi)
			require.NoError(t, err)
			want := color.RGBA{dst[0], dst[0], dst[0], 255}
			assert.Equal(t, want, rgb.(*image.RGBA).RGBAAt(gutter, gutter), "colour Grid pixel against ToUint8")
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
	grid, err := Grid(data, n, Shape{H: h, W: w}, cols, 0, 255)
	require.NoError(t, err)
	img := grid.(*image.Gray)
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
		n       int
		s       Shape
		lo, hi  float32
		wantErr string
	}{
		{"zero n", 0, 0, Shape{H: 2, W: 2}, 0, 1, "got 0"},
		{"zero h", 0, 1, Shape{H: 0, W: 2}, 0, 1, "shape 1×0×2"},
		{"negative w", 2, 1, Shape{H: 2, W: -1}, 0, 1, "shape 1×2×-1"},
		{"two channels", 8, 1, Shape{C: 2, H: 2, W: 2}, 0, 1, "shape 2×2×2: 2 channels"},
		{"four channels", 16, 1, Shape{C: 4, H: 2, W: 2}, 0, 1, "shape 4×2×2: 4 channels"},
		{"negative channels", 4, 1, Shape{C: -3, H: 2, W: 2}, 0, 1, "-3 channels"},
		{"too few values", 7, 2, Shape{H: 2, W: 2}, 0, 1, "2 images of 1×2×2 need 8 values, got 7"},
		{"too many values", 9, 2, Shape{H: 2, W: 2}, 0, 1, "need 8 values, got 9"},
		{"grey values for colour", 8, 2, Shape{C: 3, H: 2, W: 2}, 0, 1, "2 images of 3×2×2 need 24 values, got 8"},
		{"lo equals hi", 4, 1, Shape{H: 2, W: 2}, 1, 1, "lo < hi"},
		{"lo above hi", 4, 1, Shape{H: 2, W: 2}, 1, -1, "lo < hi"},
		{"NaN lo", 4, 1, Shape{H: 2, W: 2}, nan, 1, "lo < hi"},
		{"Inf hi", 4, 1, Shape{H: 2, W: 2}, 0, float32(math.Inf(1)), "lo < hi"},
		{"size overflow", 4, math.MaxInt / 2, Shape{H: 2, W: 2}, 0, 1, "overflows"},
		{"image size overflow", 4, 1, Shape{C: 3, H: math.MaxInt / 2, W: 2}, 0, 1, "image size overflows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Grid(make([]float32, tc.len), tc.n, tc.s, 0, tc.lo, tc.hi)
			require.ErrorContains(t, err, tc.wantErr)
			if tc.n == 1 {
				_, err := Image(make([]float32, tc.len), tc.s, tc.lo, tc.hi)
				require.Error(t, err, "Image")
			}
		})
	}
}

// TestGridColour: each pixel of a 3-channel grid takes its red, green and
// blue from the three planes of its own tile, and the gutter stays opaque
// grey.
func TestGridColour(t *testing.T) {
	const n, h, w, cols = 3, 2, 3, 2
	// Image k's pixel (y, x) has red 10+k*h*w+y*w+x, green that plus 100
	// and blue that plus 200 (values 0..255 map to themselves).
	data := make([]float32, 0, n*3*h*w)
	for k := 0; k < n; k++ {
		for ch := 0; ch < 3; ch++ {
			for i := 0; i < h*w; i++ {
				data = append(data, float32(10+k*h*w+i+100*ch))
			}
		}
	}
	img, err := Grid(data, n, Shape{C: 3, H: h, W: w}, cols, 0, 255)
	require.NoError(t, err)
	rgba, ok := img.(*image.RGBA)
	require.True(t, ok, "a colour grid is an *image.RGBA, got %T", img)
	require.Equal(t, image.Rect(0, 0, 2*w+3*gutter, 2*h+3*gutter), rgba.Bounds())
	tests := []struct {
		name string
		at   image.Point
		want color.RGBA
	}{
		{"tile 0 top-left", image.Pt(2, 2), color.RGBA{10, 110, 210, 255}},
		{"tile 0 top-right", image.Pt(4, 2), color.RGBA{12, 112, 212, 255}},
		{"tile 0 bottom-left", image.Pt(2, 3), color.RGBA{13, 113, 213, 255}},
		{"tile 0 bottom-right", image.Pt(4, 3), color.RGBA{15, 115, 215, 255}},
		{"tile 1 top-left", image.Pt(7, 2), color.RGBA{16, 116, 216, 255}},
		{"tile 1 bottom-right", image.Pt(9, 3), color.RGBA{21, 121, 221, 255}},
		{"tile 2 top-left", image.Pt(2, 6), color.RGBA{22, 122, 222, 255}},
		{"tile 2 bottom-middle", image.Pt(3, 7), color.RGBA{26, 126, 226, 255}},
		{"gutter corner", image.Pt(0, 0), color.RGBA{gutterLevel, gutterLevel, gutterLevel, 255}},
		{"gutter between tiles", image.Pt(5, 2), color.RGBA{gutterLevel, gutterLevel, gutterLevel, 255}},
		{"empty fourth cell", image.Pt(8, 7), color.RGBA{gutterLevel, gutterLevel, gutterLevel, 255}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, rgba.RGBAAt(tc.at.X, tc.at.Y))
		})
	}
}

// TestImage: one image drawn alone is its tile of a one-image grid
// without the gutter, grey or colour.
func TestImage(t *testing.T) {
	for _, s := range []Shape{{H: 3, W: 4}, {C: 1, H: 2, W: 5}, {C: 3, H: 4, W: 3}} {
		t.Run(s.String(), func(t *testing.T) {
			data := ramp(s.channels() * s.H * s.W)
			img, err := Image(data, s, 0, 1)
			require.NoError(t, err)
			grid, err := Grid(data, 1, s, 0, 0, 1)
			require.NoError(t, err)
			require.Equal(t, image.Rect(0, 0, s.W, s.H), img.Bounds())
			require.IsType(t, grid, img)
			for y := 0; y < s.H; y++ {
				for x := 0; x < s.W; x++ {
					require.Equal(t, grid.At(x+gutter, y+gutter), img.At(x, y), "(%d,%d)", x, y)
				}
			}
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
			up := Upscale(tc.img, tc.k)
			require.NotNil(t, up)
			out, ok := up.(*image.Gray)
			require.True(t, ok, "a grey image upscales to an *image.Gray, got %T", up)
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
	assert.Nil(t, Upscale((*image.Gray)(nil), 2), "Upscale of a nil *image.Gray")
	assert.Nil(t, Upscale(src, math.MaxInt/2), "Upscale with an overflowing scale")
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestUpscaleColour: an RGBA image, whole or a sub-image, and any other
// image type upscale to an *image.RGBA of the same colours, k×k each.
func TestUpscaleColour(t *testing.T) {
	colours := []color.RGBA{{255, 0, 0, 255}, {0, 200, 0, 255}, {0, 0, 100, 255}, {10, 20, 30, 255}}
	src := image.NewRGBA(image.Rect(0, 0, 2, 2))
	offset := image.NewRGBA(image.Rect(0, 0, 4, 3)).SubImage(image.Rect(1, 1, 3, 3)).(*image.RGBA)
	nrgba := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i, c := range colours {
		src.SetRGBA(i%2, i/2, c)
		offset.SetRGBA(1+i%2, 1+i/2, c)
		nrgba.Set(i%2, i/2, c)
	}
	tests := []struct {
		name string
		img  image.Image
		k    int
	}{
		{"rgba 3x", src, 3},
		{"rgba 1x copies", src, 1},
		{"sub-image with offset", offset, 2},
		{"nrgba", nrgba, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up := Upscale(tc.img, tc.k)
			out, ok := up.(*image.RGBA)
			require.True(t, ok, "got %T", up)
			require.Equal(t, image.Rect(0, 0, 2*tc.k, 2*tc.k), out.Bounds(), "bounds")
			for y := 0; y < 2*tc.k; y++ {
				for x := 0; x < 2*tc.k; x++ {
					assert.Equal(t, colours[(y/tc.k)*2+x/tc.k], out.RGBAAt(x, y), "(%d,%d)", x, y)
				}
			}
			out.Pix[0] = 1
			r, _, _, _ := tc.img.At(tc.img.Bounds().Min.X, tc.img.Bounds().Min.Y).RGBA()
			assert.Equal(t, uint32(0xffff), r, "result aliases the input")
		})
	}
}

// TestGridGreyUnchanged: grey grids, upscaled, have exactly the pixels and
// PNG bytes the grey-only Grid drew before colour came in (hashes taken
// from that code), so a grey model's pictures do not change. Should a Go
// release change compress/flate, only the PNG hashes move; the pixel
// hashes must not.
func TestGridGreyUnchanged(t *testing.T) {
	tests := []struct {
		n, h, w, cols  int
		lo, hi         float32
		scale          int
		bounds         image.Rectangle
		pixels, pngSum string
	}{
		{64, 28, 28, 0, 0, 1, 2, image.Rect(0, 0, 484, 484),
			"3080741513c60e7aa797eca0c08f7da5660b8fe3286caadab4a8effe97374dfa",
			"8465166f6e9fc65b1077f2bfa4acbf10d2527afed8369eb2fccc59a0fe23e8ef"},
		{10, 28, 28, 3, -1, 1, 1, image.Rect(0, 0, 92, 122),
			"e8b99b391da04c6ca0c3ceecd8e587056c35495cc95f8d3ba14367bfea46cb3c",
			"09e39f10739a5f9675ca8fb83eafce958786a50bf1a2e93c047c89d62a4d2cd5"},
		{7, 5, 9, 0, 0, 1, 3, image.Rect(0, 0, 105, 69),
			"3f1edf3cd287b5ac04d8df868c863b82f13680317d8d3cfb8e5074103aba59d2",
			"7333cf5be51586eaa0df53f8205be1177b6e0ddb2aae0fd5e36aa66d1dd02da9"},
	}
	for _, tc := range tests {
		for _, c := range []int{0, 1} {
			t.Run(fmt.Sprintf("%d of %dx%d C=%d", tc.n, tc.h, tc.w, c), func(t *testing.T) {
				data := make([]float32, tc.n*tc.h*tc.w)
				for i := range data {
					data[i] = float32(math.Sin(float64(i)*0.37))*1.3 + 0.2
				}
				data[5] = float32(math.NaN())
				data[6] = float32(math.Inf(1))
				g, err := Grid(data, tc.n, Shape{C: c, H: tc.h, W: tc.w}, tc.cols, tc.lo, tc.hi)
				require.NoError(t, err)
				up, ok := Upscale(g, tc.scale).(*image.Gray)
				require.True(t, ok, "a grey grid is an *image.Gray")
				require.Equal(t, tc.bounds, up.Bounds())
				assert.Equal(t, tc.pixels, fmt.Sprintf("%x", sha256.Sum256(up.Pix)), "pixels")
				var b bytes.Buffer
				require.NoError(t, png.Encode(&b, up))
				assert.Equal(t, tc.pngSum, fmt.Sprintf("%x", sha256.Sum256(b.Bytes())), "PNG bytes")
			})
		}
	}
}
