package visual

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Series is one curve. X may be nil, in which case Y is plotted against its
// indices 0, 1, 2, …; otherwise X and Y must have the same length.
type Series struct {
	Name string
	X, Y []float64
	// Lo and Hi, when not nil, are a spread around Y (the lowest and
	// highest of several runs, say), one pair per point, drawn as a light
	// band in the series' colour under the curves.
	Lo, Hi []float64
}

// Plot describes a line chart of training curves. Zero Width or Height means
// 800×480. With LogY the y axis is logarithmic and points with Y <= 0 are
// skipped. Series beyond the tenth reuse colours; series with an empty Name
// are drawn but left out of the legend.
type Plot struct {
	Title, XLabel string
	Series        []Series
	Width, Height int
	LogY          bool
}

const (
	defaultWidth  = 800
	defaultHeight = 480
	// minPlotArea is the smallest axes box worth drawing; below it tick
	// labels collide and the picture tells nothing.
	minPlotArea  = 40
	tickLen      = 5
	lineHeight   = 13 // Face7x13
	legendSwatch = 20
)

var (
	face       = basicfont.Face7x13
	background = color.RGBA{255, 255, 255, 255}
	foreground = color.RGBA{0, 0, 0, 255}
	gridColour = color.RGBA{225, 225, 225, 255}
	// palette is the Tableau 10 set: distinct hues that stay distinguishable
	// on white and for the common forms of colour blindness.
	palette = []color.RGBA{
		{31, 119, 180, 255},
		{255, 127, 14, 255},
		{44, 160, 44, 255},
		{214, 39, 40, 255},
		{148, 103, 189, 255},
		{140, 86, 75, 255},
		{227, 119, 194, 255},
		{127, 127, 127, 255},
		{188, 189, 34, 255},
		{23, 190, 207, 255},
	}
)

func seriesColour(i int) color.RGBA { return palette[i%len(palette)] }

// point is a data point already transformed to axis space (log10 for LogY).
type point struct{ x, y float64 }

// layout is everything Render decides before drawing; kept separate so tests
// can find the axes box of a rendered plot.
type layout struct {
	width, height int
	area          image.Rectangle // axes box, frame included
	xlo, xhi      float64
	ylo, yhi      float64 // axis space
	xticks        []tick
	yticks        []tick
	legend        []legendItem
	titleY        int // baseline
	points        [][]point
	bands         [][]bandPoint
}

// bandPoint is a point of a spread, in axis space.
type bandPoint struct{ x, lo, hi float64 }

type tick struct {
	v     float64 // axis space
	label string
}

type legendItem struct {
	pos    image.Point // top-left of the swatch row
	name   string
	colour color.RGBA
}

// Render draws the plot. A plot with no series, or whose points are all
// skipped, is still drawn (axes over [0, 1], legend, title) so a trainer can
// render its curves from the very first step without special cases.
// Errors are returned for negative sizes, a size too small to hold the axes,
// mismatched X and Y lengths, and data ranges too wide to represent.
func (p Plot) Render() (*image.RGBA, error) {
	l, err := p.layout()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, l.width, l.height))
	fillRect(img, img.Bounds(), background)

	inner := l.area.Inset(1)
	toPx := func(pt point) (int, int) {
		fx := (pt.x - l.xlo) / (l.xhi - l.xlo)
		fy := (pt.y - l.ylo) / (l.yhi - l.ylo)
		return inner.Min.X + int(math.Round(fx*float64(inner.Dx()-1))),
			inner.Max.Y - 1 - int(math.Round(fy*float64(inner.Dy()-1)))
	}

	for _, t := range l.xticks {
		x, _ := toPx(point{t.v, l.ylo})
		fillRect(img, image.Rect(x, inner.Min.Y, x+1, inner.Max.Y), gridColour)
	}
	for _, t := range l.yticks {
		_, y := toPx(point{l.xlo, t.v})
		fillRect(img, image.Rect(inner.Min.X, y, inner.Max.X, y+1), gridColour)
	}

	for i, band := range l.bands {
		tint := lighten(seriesColour(i))
		for j := 1; j < len(band); j++ {
			fillBand(img, inner, band[j-1], band[j], toPx, tint)
		}
	}
	for i, pts := range l.points {
		c := seriesColour(i)
		if len(pts) == 1 {
			// A lone point has no segment; a small square keeps it visible.
			x, y := toPx(pts[0])
			fillRect(img, image.Rect(x-2, y-2, x+3, y+3).Intersect(inner), c)
			continue
		}
		for j := 1; j < len(pts); j++ {
			x0, y0 := toPx(pts[j-1])
			x1, y1 := toPx(pts[j])
			drawLine(img, inner, x0, y0, x1, y1, c)
		}
	}

	strokeRect(img, l.area, foreground)
	lastRight := math.MinInt
	for _, t := range l.xticks {
		x, _ := toPx(point{t.v, l.ylo})
		fillRect(img, image.Rect(x, l.area.Max.Y, x+1, l.area.Max.Y+tickLen), foreground)
		w := textWidth(t.label)
		left := x - w/2
		// Long labels on a narrow plot would overprint; dropping one keeps
		// the rest readable.
		if left < lastRight+face.Advance {
			continue
		}
		drawText(img, t.label, left, l.area.Max.Y+tickLen+face.Ascent+2, foreground)
		lastRight = left + w
	}
	for _, t := range l.yticks {
		_, y := toPx(point{l.xlo, t.v})
		fillRect(img, image.Rect(l.area.Min.X-tickLen, y, l.area.Min.X, y+1), foreground)
		drawText(img, t.label, l.area.Min.X-tickLen-3-textWidth(t.label), y+face.Ascent/2, foreground)
	}

	if p.Title != "" {
		drawText(img, p.Title, (l.width-textWidth(p.Title))/2, l.titleY, foreground)
	}
	if p.XLabel != "" {
		x := l.area.Min.X + (l.area.Dx()-textWidth(p.XLabel))/2
		drawText(img, p.XLabel, x, l.height-6-face.Descent, foreground)
	}
	for _, it := range l.legend {
		mid := it.pos.Y + lineHeight/2
		fillRect(img, image.Rect(it.pos.X, mid-1, it.pos.X+legendSwatch, mid+1), it.colour)
		drawText(img, it.name, it.pos.X+legendSwatch+4, it.pos.Y+face.Ascent, foreground)
	}
	return img, nil
}

func (p Plot) layout() (layout, error) {
	var l layout
	l.width, l.height = p.Width, p.Height
	if l.width < 0 || l.height < 0 {
		return l, fmt.Errorf("visual: plot: negative size %d×%d", l.width, l.height)
	}
	if l.width == 0 {
		l.width = defaultWidth
	}
	if l.height == 0 {
		l.height = defaultHeight
	}
	if px, ok := mulOK(l.width, l.height); !ok || px > maxPixels {
		return l, fmt.Errorf("visual: plot: size %d×%d is too large", l.width, l.height)
	}

	xmin, xmax := math.Inf(1), math.Inf(-1)
	ymin, ymax := math.Inf(1), math.Inf(-1)
	l.points = make([][]point, len(p.Series))
	l.bands = make([][]bandPoint, len(p.Series))
	for i, s := range p.Series {
		if s.X != nil && len(s.X) != len(s.Y) {
			return l, fmt.Errorf("visual: plot: series %d (%q) has %d x values and %d y values", i, s.Name, len(s.X), len(s.Y))
		}
		if (s.Lo != nil || s.Hi != nil) && (len(s.Lo) != len(s.Y) || len(s.Hi) != len(s.Y)) {
			return l, fmt.Errorf("visual: plot: series %d (%q) has %d y values but a spread of %d low and %d high", i, s.Name, len(s.Y), len(s.Lo), len(s.Hi))
		}
		pts := make([]point, 0, len(s.Y))
		for j, y := range s.Y {
			x := float64(j)
			if s.X != nil {
				x = s.X[j]
			}
			if p.LogY {
				if !(y > 0) {
					continue
				}
				y = math.Log10(y)
			}
			if !finite(x) || !finite(y) {
				continue
			}
			pts = append(pts, point{x, y})
			xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
			ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
			if s.Lo == nil {
				continue
			}
			lo, hi := s.Lo[j], s.Hi[j]
			if p.LogY {
				lo, hi = math.Log10(lo), math.Log10(hi)
			}
			if finite(lo) && finite(hi) {
				l.bands[i] = append(l.bands[i], bandPoint{x, lo, hi})
				ymin, ymax = math.Min(ymin, lo), math.Max(ymax, hi)
			}
		}
		l.points[i] = pts
	}
	if xmin > xmax { // no drawable point at all
		xmin, xmax, ymin, ymax = 0, 1, 0, 1
	}
	// A constant in log space should still span about a decade either side
	// of itself, whereas a linear constant is padded relative to its size.
	constPad := 0.0
	if p.LogY {
		constPad = 0.5
	}
	var ok1, ok2 bool
	l.xlo, l.xhi, ok1 = axisRange(xmin, xmax, 0.02, 0)
	l.ylo, l.yhi, ok2 = axisRange(ymin, ymax, 0.05, constPad)
	if !ok1 || !ok2 {
		return l, fmt.Errorf("visual: plot: data range [%g, %g]×[%g, %g] is too wide", xmin, xmax, ymin, ymax)
	}

	xTarget := 6
	if l.width < 500 {
		xTarget = 4
	}
	l.xticks = linearTicks(l.xlo, l.xhi, xTarget)
	if p.LogY {
		l.yticks = logTicks(l.ylo, l.yhi, 5)
	} else {
		l.yticks = linearTicks(l.ylo, l.yhi, 5)
	}

	labelW := 0
	for _, t := range l.yticks {
		labelW = max(labelW, textWidth(t.label))
	}
	left := 10 + labelW + 3 + tickLen
	right := 20
	top := 8
	if p.Title != "" {
		l.titleY = top + face.Ascent
		top += lineHeight + 8
	}
	// Legend items flow left to right from the axes' left edge and wrap, so
	// the number of rows, and hence the top margin, depends on the names.
	x, rows := left, 0
	for i, s := range p.Series {
		if s.Name == "" {
			continue
		}
		w := legendSwatch + 4 + textWidth(s.Name)
		if rows == 0 || (x > left && x+w > l.width-right) {
			rows++
			x = left
		}
		l.legend = append(l.legend, legendItem{
			pos:    image.Pt(x, top+(rows-1)*(lineHeight+4)),
			name:   s.Name,
			colour: seriesColour(i),
		})
		x += w + 16
	}
	if rows > 0 {
		top += rows*(lineHeight+4) + 6
	}
	bottom := tickLen + 2 + lineHeight + 6
	if p.XLabel != "" {
		bottom += lineHeight + 6
	}
	l.area = image.Rect(left, top, l.width-right, l.height-bottom)
	if l.area.Dx() < minPlotArea || l.area.Dy() < minPlotArea {
		return l, fmt.Errorf("visual: plot: %d×%d leaves no room for the axes", l.width, l.height)
	}
	return l, nil
}

// axisRange pads [min, max] by frac of its span so curves do not run along
// the frame, and widens a zero span so a constant series still has a scale.
func axisRange(lo, hi, frac, constPad float64) (float64, float64, bool) {
	if lo == hi {
		d := constPad
		if d == 0 {
			d = math.Abs(lo) * 0.1
		}
		if d == 0 {
			d = 1
		}
		lo, hi = lo-d, hi+d
	} else {
		pad := (hi - lo) * frac
		lo, hi = lo-pad, hi+pad
	}
	return lo, hi, finite(lo) && finite(hi) && finite(hi-lo) && hi > lo
}

// linearTicks picks about target "nice" values (1, 2 or 5 times a power of
// ten apart) inside [lo, hi], following Heckbert's Graphics Gems recipe.
func linearTicks(lo, hi float64, target int) []tick {
	step := niceNum((hi-lo)/float64(max(target-1, 1)), true)
	if !(step > 0) || !finite(step) {
		return nil
	}
	var ts []tick
	start := math.Ceil(lo/step) * step
	for i := 0; i < 4*target; i++ {
		v := start + float64(i)*step
		if v > hi+step*1e-9 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0 // avoid labels like 5.55e-17
		}
		ts = append(ts, tick{v, formatTick(v, step)})
	}
	return ts
}

// logTicks works in log10 space. Over a decade or more it puts ticks on
// whole powers of ten; over less, powers of ten would leave the axis bare,
// so it picks nice linear values and maps them into log space.
func logTicks(lo, hi float64, target int) []tick {
	var ts []tick
	if hi-lo >= 1 {
		step := math.Max(1, math.Round(niceNum((hi-lo)/float64(target-1), true)))
		for e := math.Ceil(lo/step) * step; e <= hi && len(ts) < 4*target; e += step {
			ts = append(ts, tick{e, strconv.FormatFloat(math.Pow(10, e), 'g', -1, 64)})
		}
		return ts
	}
	for _, t := range linearTicks(math.Pow(10, lo), math.Pow(10, hi), target) {
		if t.v > 0 {
			ts = append(ts, tick{math.Log10(t.v), t.label})
		}
	}
	return ts
}

func niceNum(x float64, round bool) float64 {
	if !(x > 0) || !finite(x) {
		return 0
	}
	exp := math.Floor(math.Log10(x))
	f := x / math.Pow(10, exp)
	var nf float64
	switch {
	case round && f < 1.5, !round && f <= 1:
		nf = 1
	case round && f < 3, !round && f <= 2:
		nf = 2
	case round && f < 7, !round && f <= 5:
		nf = 5
	default:
		nf = 10
	}
	return nf * math.Pow(10, exp)
}

// formatTick prints just enough decimals to tell ticks step apart, falling
// back to exponent notation for very large or small magnitudes.
func formatTick(v, step float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e6 || a < 1e-4 || step < 1e-4 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	decimals := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func textWidth(s string) int { return font.MeasureString(face, s).Round() }

func drawText(img *image.RGBA, s string, x, baseline int, c color.RGBA) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, baseline)}
	d.DrawString(s)
}

func fillRect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func strokeRect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	fillRect(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+1), c)
	fillRect(img, image.Rect(r.Min.X, r.Max.Y-1, r.Max.X, r.Max.Y), c)
	fillRect(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+1, r.Max.Y), c)
	fillRect(img, image.Rect(r.Max.X-1, r.Min.Y, r.Max.X, r.Max.Y), c)
}

// lighten mixes a quarter of c with three quarters of the background.
func lighten(c color.RGBA) color.RGBA {
	mix := func(v, bg uint8) uint8 { return uint8((int(v) + 3*int(bg)) / 4) }
	return color.RGBA{mix(c.R, background.R), mix(c.G, background.G), mix(c.B, background.B), 255}
}

// fillBand fills the columns between two points of a spread, from its low
// edge to its high edge, both straight lines between the points. Pixels
// outside clip are dropped.
func fillBand(img *image.RGBA, clip image.Rectangle, a, b bandPoint, toPx func(point) (int, int), c color.RGBA) {
	xa, loA := toPx(point{a.x, a.lo})
	_, hiA := toPx(point{a.x, a.hi})
	xb, loB := toPx(point{b.x, b.lo})
	_, hiB := toPx(point{b.x, b.hi})
	if xb < xa {
		xa, xb, loA, loB, hiA, hiB = xb, xa, loB, loA, hiB, hiA
	}
	for x := xa; x <= xb; x++ {
		f := 0.0
		if xb > xa {
			f = float64(x-xa) / float64(xb-xa)
		}
		lo := int(math.Round(float64(loA) + f*float64(loB-loA)))
		hi := int(math.Round(float64(hiA) + f*float64(hiB-hiA)))
		fillRect(img, image.Rect(x, min(lo, hi), x+1, max(lo, hi)+1).Intersect(clip), c)
	}
}

// drawLine is Bresenham's algorithm stamping a 2×2 brush, which gives a
// 2-pixel-thick line without anti-aliasing; exact colours also let tests
// find a series by its colour. Pixels outside clip are dropped.
func drawLine(img *image.RGBA, clip image.Rectangle, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		for _, o := range [4]image.Point{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
			if pt := image.Pt(x0+o.X, y0+o.Y); pt.In(clip) {
				img.SetRGBA(pt.X, pt.Y, c)
			}
		}
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
