package visual

import (
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var nan, inf = math.NaN(), math.Inf(1)

func TestPlotRenderEdgeCases(t *testing.T) {
	tests := []struct {
		name         string
		plot         Plot
		wantW, wantH int
	}{
		{"no series is a blank plot", Plot{Title: "empty"}, 800, 480},
		{"empty series", Plot{Series: []Series{{Name: "loss"}}}, 800, 480},
		{"single point", Plot{Series: []Series{{Name: "a", X: []float64{3}, Y: []float64{0.7}}}}, 800, 480},
		{"constant", Plot{Series: []Series{{Name: "c", Y: []float64{2, 2, 2, 2}}}}, 800, 480},
		{"constant zero", Plot{Series: []Series{{Name: "z", Y: []float64{0, 0, 0}}}}, 800, 480},
		{"NaN and Inf skipped", Plot{Series: []Series{{Name: "n", Y: []float64{1, nan, 3, inf, -inf, 2}}}}, 800, 480},
		{"all NaN", Plot{Series: []Series{{Name: "n", Y: []float64{nan, nan}}}}, 800, 480},
		{"NaN x skipped", Plot{Series: []Series{{Name: "n", X: []float64{0, nan, 2}, Y: []float64{1, 2, 3}}}}, 800, 480},
		{"LogY skips non-positive", Plot{LogY: true, Series: []Series{{Name: "l", Y: []float64{-1, 0, 1, 10, 100}}}}, 800, 480},
		{"LogY all non-positive", Plot{LogY: true, Series: []Series{{Name: "l", Y: []float64{-1, 0}}}}, 800, 480},
		{"LogY under a decade", Plot{LogY: true, Series: []Series{{Name: "l", Y: []float64{2, 3, 4}}}}, 800, 480},
		{"LogY constant", Plot{LogY: true, Series: []Series{{Name: "l", Y: []float64{5, 5}}}}, 800, 480},
		{"many points", Plot{Series: []Series{{Name: "m", Y: noisy(20000)}}}, 800, 480},
		{"huge values", Plot{Series: []Series{{Name: "h", Y: []float64{1e300, -1e300}}}}, 800, 480},
		{"tiny range", Plot{Series: []Series{{Name: "t", Y: []float64{0.69314, 0.69315}}}}, 800, 480},
		{"custom size", Plot{Width: 300, Height: 200, Series: []Series{{Name: "a", Y: []float64{1, 2}}}}, 300, 200},
		{"only width given", Plot{Width: 640, Series: []Series{{Name: "a", Y: []float64{1, 2}}}}, 640, 480},
		{"many named series wrap the legend", Plot{Series: manySeries(14)}, 800, 480},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := tc.plot.Render()
			require.NoError(t, err)
			assert.Equal(t, image.Rect(0, 0, tc.wantW, tc.wantH), img.Bounds(), "bounds")
		})
	}
}

func TestPlotRenderErrors(t *testing.T) {
	tests := []struct {
		name string
		plot Plot
	}{
		{"negative width", Plot{Width: -1}},
		{"too small", Plot{Width: 60, Height: 50}},
		{"x and y lengths differ", Plot{Series: []Series{{Name: "bad", X: []float64{1, 2}, Y: []float64{1}}}}},
		{"empty x with y", Plot{Series: []Series{{Name: "bad", X: []float64{}, Y: []float64{1}}}}},
		{"range overflows", Plot{Series: []Series{{X: []float64{-math.MaxFloat64, math.MaxFloat64}, Y: []float64{1, 2}}}}},
		{"absurd size", Plot{Width: 1 << 20, Height: 1 << 20}},
		{"spread of another length", Plot{Series: []Series{{Name: "bad", Y: []float64{1, 2}, Lo: []float64{0}, Hi: []float64{2}}}}},
		{"spread without its high edge", Plot{Series: []Series{{Name: "bad", Y: []float64{1, 2}, Lo: []float64{0, 1}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.plot.Render()
			require.Error(t, err)
		})
	}
}

// TestPlotSeriesColoursInsideAxes guards the line drawer: the legend lives
// outside the axes box, so a series colour can only appear inside the box if
// its curve was drawn there.
func TestPlotSeriesColoursInsideAxes(t *testing.T) {
	tests := []struct {
		name      string
		plot      Plot
		minPixels []int // per series; 0 means the colour must be absent
	}{
		{
			name: "three lines",
			plot: Plot{Title: "t", XLabel: "step", Series: []Series{
				{Name: "rising", Y: []float64{0, 1, 2, 3, 4}},
				{Name: "falling", Y: []float64{4, 3, 2, 1, 0}},
				{Name: "flat", Y: []float64{2, 2, 2, 2, 2}},
			}},
			minPixels: []int{500, 500, 500},
		},
		{
			name: "single point and NaN-only",
			plot: Plot{Series: []Series{
				{Name: "dot", X: []float64{1}, Y: []float64{1}},
				{Name: "gone", Y: []float64{nan, inf}},
				{Name: "line", X: []float64{0, 2}, Y: []float64{0, 2}},
			}},
			minPixels: []int{9, 0, 500},
		},
		{
			name: "LogY keeps positive part",
			plot: Plot{LogY: true, Series: []Series{
				{Name: "loss", Y: []float64{0, -3, 10, 1, 0.1, 0.01}},
			}},
			minPixels: []int{500},
		},
		{
			name: "thousands of points",
			plot: Plot{Series: []Series{
				{Name: "noisy", Y: noisy(5000)},
				{Name: "smooth", Y: Smooth(noisy(5000), 0.01)},
			}},
			minPixels: []int{2000, 500},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := tc.plot.Render()
			require.NoError(t, err)
			l, err := tc.plot.layout()
			require.NoError(t, err)
			for i, min := range tc.minPixels {
				got := countColour(img, l.area.Inset(1), seriesColour(i))
				if min == 0 {
					assert.Zero(t, got, "series %d: pixels of its colour", i)
				} else {
					assert.GreaterOrEqual(t, got, min, "series %d: pixels of its colour inside the axes", i)
				}
				if tc.plot.Series[i].Name != "" {
					assert.NotZero(t, countColour(img, image.Rect(0, 0, l.width, l.area.Min.Y), seriesColour(i)), "series %d: pixels of its colour in the legend", i)
				}
			}
		})
	}
}

// TestPlotSpread: a series' spread is a light band of its colour between
// its low and high edges, under the curve, and widens the axis to hold it.
func TestPlotSpread(t *testing.T) {
	p := Plot{Series: []Series{{Name: "mean", X: []float64{0, 10}, Y: []float64{5, 5}, Lo: []float64{0, 4}, Hi: []float64{10, 6}}}}
	img, err := p.Render()
	require.NoError(t, err)
	l, err := p.layout()
	require.NoError(t, err)
	require.LessOrEqual(t, l.ylo, 0.0, "the axis holds the low edge")
	require.GreaterOrEqual(t, l.yhi, 10.0, "the axis holds the high edge")
	in := l.area.Inset(1)
	tint := lighten(seriesColour(0))
	left := image.Rect(in.Min.X, in.Min.Y, in.Min.X+in.Dx()/8, in.Max.Y)
	right := image.Rect(in.Max.X-in.Dx()/8, in.Min.Y, in.Max.X, in.Max.Y)
	// The band spans the whole height at the left and a fifth of it at the
	// right: more tint on the left.
	assert.Greater(t, countColour(img, left, tint), 2*countColour(img, right, tint))
	assert.NotZero(t, countColour(img, right, tint))
	assert.GreaterOrEqual(t, countColour(img, in, seriesColour(0)), 500, "the curve is drawn over the band")

	p.Series[0].Lo, p.Series[0].Hi = nil, nil
	img, err = p.Render()
	require.NoError(t, err)
	assert.Zero(t, countColour(img, img.Bounds(), tint), "no spread, no band")
}

// TestPlotGeometry checks that data land where the axes say: a rising line
// starts bottom-left and ends top-right, and a constant sits mid-height.
func TestPlotGeometry(t *testing.T) {
	p := Plot{Series: []Series{
		{Name: "rise", X: []float64{0, 10}, Y: []float64{0, 10}},
	}}
	img, err := p.Render()
	require.NoError(t, err)
	l, _ := p.layout()
	in := l.area.Inset(1)
	c := seriesColour(0)
	// With 2% x padding and 5% y padding the end points sit a little inside
	// the corners; look in the corner quadrants rather than exact pixels.
	qw, qh := in.Dx()/8, in.Dy()/8
	bottomLeft := image.Rect(in.Min.X, in.Max.Y-qh, in.Min.X+qw, in.Max.Y)
	topRight := image.Rect(in.Max.X-qw, in.Min.Y, in.Max.X, in.Min.Y+qh)
	topLeft := image.Rect(in.Min.X, in.Min.Y, in.Min.X+qw, in.Min.Y+qh)
	assert.NotZero(t, countColour(img, bottomLeft, c), "rising line: pixels in the bottom-left corner")
	assert.NotZero(t, countColour(img, topRight, c), "rising line: pixels in the top-right corner")
	assert.Zero(t, countColour(img, topLeft, c), "rising line: pixels in the top-left corner")

	flat := Plot{Series: []Series{{Name: "flat", Y: []float64{7, 7, 7}}}}
	img, err = flat.Render()
	require.NoError(t, err)
	l, _ = flat.layout()
	in = l.area.Inset(1)
	mid := in.Min.Y + in.Dy()/2
	band := image.Rect(in.Min.X, mid-2, in.Max.X, mid+2)
	assert.GreaterOrEqual(t, countColour(img, band, c), in.Dx(), "constant series: pixels near mid-height, want a full-width line")
}

func TestLinearTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		target int
		want   []string
	}{
		{0, 1, 6, []string{"0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{-0.05, 1.05, 6, []string{"0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{0, 10000, 6, []string{"0", "2000", "4000", "6000", "8000", "10000"}},
		{0.6931, 0.6935, 5, []string{"0.6931", "0.6932", "0.6933", "0.6934", "0.6935"}},
		{-3, 3, 4, []string{"-2", "0", "2"}},
		{0, 5e6, 6, []string{"0", "1e+06", "2e+06", "3e+06", "4e+06", "5e+06"}},
	}
	for _, tc := range tests {
		got := labels(linearTicks(tc.lo, tc.hi, tc.target))
		assert.Equal(t, strings.Join(tc.want, " "), strings.Join(got, " "), "linearTicks(%g, %g, %d)", tc.lo, tc.hi, tc.target)
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   []string
	}{
		{-3, 0, []string{"0.001", "0.01", "0.1", "1"}},
		{-0.5, 6.5, []string{"1", "100", "10000", "1e+06"}},
		{math.Log10(2), math.Log10(4), []string{"2.0", "2.5", "3.0", "3.5", "4.0"}},
	}
	for _, tc := range tests {
		got := labels(logTicks(tc.lo, tc.hi, 5))
		assert.Equal(t, strings.Join(tc.want, " "), strings.Join(got, " "), "logTicks(%g, %g)", tc.lo, tc.hi)
	}
}

func labels(ts []tick) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.label
	}
	return out
}

func countColour(img *image.RGBA, r image.Rectangle, c color.RGBA) int {
	r = r.Intersect(img.Bounds())
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.RGBAAt(x, y) == c {
				n++
			}
		}
	}
	return n
}

// noisy is a deterministic decaying, jittery loss curve.
func noisy(n int) []float64 {
	y := make([]float64, n)
	s := uint32(1)
	for i := range y {
		s = s*1664525 + 1013904223
		y[i] = 2*math.Exp(-float64(i)/float64(n)*4) + 0.3 + float64(s>>8)/float64(1<<24)*0.4
	}
	return y
}

func manySeries(k int) []Series {
	s := make([]Series, k)
	for i := range s {
		s[i] = Series{Name: "series number " + string(rune('A'+i)), Y: []float64{float64(i), float64(i + 1)}}
	}
	return s
}
