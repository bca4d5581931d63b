package visual

import (
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDemoImages writes example images for a person to look at. It is
// skipped unless VISUAL_DEMO=1 because it writes outside the test's folder.
func TestDemoImages(t *testing.T) {
	if os.Getenv("VISUAL_DEMO") != "1" {
		t.Skip("set VISUAL_DEMO=1 to write /tmp/visual-demo-*.png")
	}
	const steps = 3000
	g, d := noisy(steps), make([]float64, steps)
	for i := range d {
		d[i] = 0.7 + 0.15*math.Sin(float64(i)/150) + (g[i]-1)*0.2
	}
	g[1200] = math.NaN() // a diverged step, skipped
	plot := Plot{
		Title:  "GAN losses (demo)",
		XLabel: "step",
		Series: []Series{
			{Name: "G loss (raw)", Y: g},
			{Name: "G loss (EMA 0.02)", Y: Smooth(g, 0.02)},
			{Name: "D loss", Y: d},
		},
	}
	img, err := plot.Render()
	require.NoError(t, err)
	require.NoError(t, SavePNG("/tmp/visual-demo-plot.png", img))
	plot.LogY, plot.Title = true, "GAN losses, log y (demo)"
	img, err = plot.Render()
	require.NoError(t, err)
	require.NoError(t, SavePNG("/tmp/visual-demo-plot-log.png", img))

	// Rings of growing radius and thickness in [-1, 1], like tanh outputs.
	const n, h, w = 14, 28, 28
	data := make([]float32, n*h*w)
	for k := 0; k < n; k++ {
		r := 4 + float64(k)*0.6
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				dist := math.Hypot(float64(x)-13.5, float64(y)-13.5)
				v := 1 - math.Abs(dist-r)/(1+float64(k%4))
				data[k*h*w+y*w+x] = float32(2*v - 1) // below -1 clamps
			}
		}
	}
	grid, err := Grid(data, n, Shape{H: h, W: w}, 0, -1, 1)
	require.NoError(t, err)
	require.NoError(t, SavePNG("/tmp/visual-demo-grid.png", Upscale(grid, 2)))
}
