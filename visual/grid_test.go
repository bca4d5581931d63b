package visual

import (
	"image"
	"math"
	"testing"
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
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds(); got != image.Rect(0, 0, tc.wantW, tc.wantH) {
				t.Errorf("bounds %v, want %dx%d", got, tc.wantW, tc.wantH)
			}
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
			if d := absDiff(dst[0], tc.want); d > tc.wantTol {
				t.Errorf("ToUint8(%v) = %d, want %d±%d", tc.v, dst[0], tc.want, tc.wantTol)
			}
			img, err := Grid([]float32{tc.v}, 1, 1, 1, 0, tc.lo, tc.hi)
			if err != nil {
				t.Fatal(err)
			}
			if got := img.GrayAt(gutter, gutter).Y; got != dst[0] {
				t.Errorf("Grid pixel %d differs from ToUint8 %d", got, dst[0])
			}
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
				if dst[i] != w {
					t.Errorf("dst[%d] = %d, want %d", i, dst[i], w)
				}
			}
			if buf[tc.dst] != 7 || buf[3] != 7 {
				t.Errorf("wrote past dst: %v", buf)
			}
		})
	}
}

func TestToUint8DegenerateRange(t *testing.T) {
	dst := make([]uint8, 3)
	ToUint8([]float32{-1, 0.5, 2}, 0.5, 0.5, dst)
	if want := []uint8{0, 0, 255}; string(dst) != string(want) {
		t.Errorf("got %v, want threshold at lo %v", dst, want)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	// Origins written out by hand rather than derived from tileOrigin, so the
	// geometry itself is under test.
	origins := []image.Point{{2, 2}, {8, 2}, {2, 7}, {8, 7}, {2, 12}}
	covered := map[image.Point]bool{}
	for k, o := range origins {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p := o.Add(image.Pt(x, y))
				covered[p] = true
				if got := img.GrayAt(p.X, p.Y).Y; got != val(k, y, x) {
					t.Errorf("tile %d pixel (%d,%d) at %v = %d, want %d", k, x, y, p, got, val(k, y, x))
				}
			}
		}
	}
	// Everything else, including the empty sixth cell, is gutter.
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if !covered[image.Pt(x, y)] && img.GrayAt(x, y).Y != gutterLevel {
				t.Errorf("gutter pixel (%d,%d) = %d, want %d", x, y, img.GrayAt(x, y).Y, gutterLevel)
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
			img, err := Grid(make([]float32, tc.len), tc.n, tc.h, tc.w, 0, tc.lo, tc.hi)
			if err == nil {
				t.Fatalf("no error, got %v image", img.Bounds())
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
			out := Upscale(tc.img, tc.k)
			if out == nil {
				t.Fatal("nil result")
			}
			if want := image.Rect(0, 0, 2*tc.wantK, 2*tc.wantK); out.Bounds() != want {
				t.Fatalf("bounds %v, want %v", out.Bounds(), want)
			}
			for y := 0; y < 2*tc.wantK; y++ {
				for x := 0; x < 2*tc.wantK; x++ {
					want := src.Pix[(y/tc.wantK)*2+x/tc.wantK]
					if got := out.GrayAt(x, y).Y; got != want {
						t.Errorf("(%d,%d) = %d, want %d", x, y, got, want)
					}
				}
			}
			out.Pix[0] = 255
			if tc.img.Pix[tc.img.PixOffset(tc.img.Rect.Min.X, tc.img.Rect.Min.Y)] == 255 {
				t.Error("result aliases the input")
			}
		})
	}
	if Upscale(nil, 2) != nil {
		t.Error("Upscale(nil) should be nil")
	}
	if Upscale(src, math.MaxInt/2) != nil {
		t.Error("overflowing scale should give nil")
	}
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}
