package visual

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// previewModel is a trainer.Model with no parameters whose previews are a
// fixed ramp of four 28×28 images of c channels (0: grey) and whose
// evaluation counts its calls.
type previewModel struct {
	c            int
	steps, evals int
}

func (m *previewModel) Kind() string                    { return "preview-test" }
func (m *previewModel) Config() any                     { return nil }
func (m *previewModel) Batch() int                      { return 10 }
func (m *previewModel) Params() graphs.Params           { return nil }
func (m *previewModel) Optimizers() []trainer.Optimizer { return nil }

func (m *previewModel) Step([]float32, []int) ([]trainer.Metric, error) {
	m.steps++
	return []trainer.Metric{{Name: "loss", Value: 1 / float64(m.steps)}}, nil
}

func (m *previewModel) Evaluate() ([]trainer.Metric, error) {
	m.evals++
	return []trainer.Metric{{Name: "test_loss", Value: float64(m.evals)}}, nil
}

func (m *previewModel) Previews() ([]trainer.Preview, error) {
	return []trainer.Preview{{Name: "samples", Images: ramp(4 * max(m.c, 1) * 28 * 28), N: 4, C: m.c, H: 28, W: 28, Lo: 0, Hi: 1}}, nil
}

func ramp(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(i) / float32(n)
	}
	return out
}

func runWithPictures(t *testing.T, out string, steps, sampleEvery int64) {
	t.Helper()
	runModelWithPictures(t, &previewModel{}, out, steps, sampleEvery)
}

func runModelWithPictures(t *testing.T, m trainer.Model, out string, steps, sampleEvery int64) {
	t.Helper()
	loader, err := datasets.NewLoader(datasets.Synthetic(100, 3), 10, 7, datasets.ScaleUnit)
	require.NoError(t, err)
	_, err = trainer.Run(context.Background(), m, loader, trainer.Config{
		Steps: steps, Out: out, LogEvery: 5, Hooks: []trainer.Hook{TrainingPictures(out, sampleEvery)},
	})
	require.NoError(t, err)
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			names = append(names, filepath.ToSlash(rel))
		}
		return err
	}))
	slices.Sort(names)
	return names
}

// TestTrainingPicturesFiles: grids at epoch ends, every sampleEvery steps
// and at the last step, with the loss and evaluation plots.
func TestTrainingPicturesFiles(t *testing.T) {
	tests := []struct {
		name        string
		steps       int64
		sampleEvery int64
		want        []string
	}{
		{"epoch ends", 20, 0, []string{"samples/samples-epoch-001.png", "samples/samples-epoch-002.png"}},
		{"ending mid-epoch", 15, 0, []string{"samples/samples-epoch-001.png", "samples/samples-step-00000015.png"}},
		{"every 4 steps", 13, 4, []string{"samples/samples-epoch-001.png", "samples/samples-step-00000004.png",
			"samples/samples-step-00000008.png", "samples/samples-step-00000012.png", "samples/samples-step-00000013.png"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			runWithPictures(t, out, tt.steps, tt.sampleEvery)
			var got []string
			for _, f := range listFiles(t, out) {
				if filepath.Ext(f) == ".png" {
					got = append(got, f)
				}
			}
			want := append([]string{"eval.png", "loss.png", "samples.png"}, tt.want...)
			slices.Sort(want)
			require.Equal(t, want, got)
		})
	}
}

// TestTrainingPicturesContent: the latest grid is the model's preview
// tiled and upscaled twice, and the plots hold every logged point.
func TestTrainingPicturesContent(t *testing.T) {
	out := t.TempDir()
	runWithPictures(t, out, 20, 0)

	grid, err := Grid(ramp(4*28*28), 4, Shape{H: 28, W: 28}, 0, 0, 1)
	require.NoError(t, err)
	want := Upscale(grid, 2).(*image.Gray)
	for _, f := range []string{"samples.png", "samples/samples-epoch-002.png"} {
		got := testutil.DecodePNG(t, filepath.Join(out, f))
		require.Equal(t, want.Bounds(), got.Bounds(), f)
		for y := range want.Bounds().Dy() {
			for x := range want.Bounds().Dx() {
				r, _, _, _ := got.At(x, y).RGBA()
				require.Equal(t, uint32(want.GrayAt(x, y).Y)*0x101, r, "%s at (%d, %d)", f, x, y)
			}
		}
	}

	// Four log windows of 5 steps (losses 1/step) and two evaluations.
	var losses, evals Series
	for step := 5; step <= 20; step += 5 {
		var sum float64
		for s := step - 4; s <= step; s++ {
			sum += 1 / float64(s)
		}
		losses.X = append(losses.X, float64(step)/10)
		losses.Y = append(losses.Y, sum/5)
	}
	losses.Name = "loss"
	evals = Series{Name: "test_loss", X: []float64{1, 2}, Y: []float64{1, 2}}
	for _, p := range []struct {
		file string
		plot Plot
	}{
		{"loss.png", Plot{Title: "training metrics (mean per log window)", XLabel: "epoch", Series: []Series{losses}}},
		{"eval.png", Plot{Title: "evaluations (log scale)", XLabel: "epoch", Series: []Series{evals}, LogY: true}},
	} {
		img, err := p.plot.Render()
		require.NoError(t, err)
		got := testutil.DecodePNG(t, filepath.Join(out, p.file))
		require.Equal(t, img.Bounds(), got.Bounds(), p.file)
		for y := range img.Bounds().Dy() {
			for x := range img.Bounds().Dx() {
				wr, wg, wb, _ := img.At(x, y).RGBA()
				gr, gg, gb, _ := got.At(x, y).RGBA()
				require.Equal(t, [3]uint32{wr, wg, wb}, [3]uint32{gr, gg, gb}, "%s at (%d, %d)", p.file, x, y)
			}
		}
	}
}

// TestTrainingPicturesColour: a colour preview (C 3) is written as an RGB
// grid, the preview's three planes as red, green and blue, upscaled twice.
func TestTrainingPicturesColour(t *testing.T) {
	out := t.TempDir()
	runModelWithPictures(t, &previewModel{c: 3}, out, 10, 0)
	grid, err := Grid(ramp(4*3*28*28), 4, Shape{C: 3, H: 28, W: 28}, 0, 0, 1)
	require.NoError(t, err)
	want := Upscale(grid, 2).(*image.RGBA)
	got := testutil.DecodePNG(t, filepath.Join(out, "samples.png"))
	require.Equal(t, want.Bounds(), got.Bounds())
	// Tile 0's top-left pixel: the ramp's first value in each plane, 0,
	// 1/12 and 2/12 of the way to white.
	r, g, b, _ := got.At(4, 4).RGBA()
	require.Equal(t, [3]uint32{0, 21, 43}, [3]uint32{r >> 8, g >> 8, b >> 8}, "tile 0's first pixel")
	for y := range want.Bounds().Dy() {
		for x := range want.Bounds().Dx() {
			require.True(t, sameColour(want.At(x, y), got.At(x, y)), "samples.png at (%d, %d): %v, want %v", x, y, got.At(x, y), want.At(x, y))
		}
	}
}
