package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
)

// blur returns images (c×h×w each) averaged over 3×3 neighbourhoods,
// plane by plane: real images with their strokes and edges smeared, what
// a model that has learnt the layout but not the detail draws.
func blur(images []float32, c, h, w int) []float32 {
	out := make([]float32, len(images))
	for p := 0; p < len(images); p += h * w {
		plane, dst := images[p:p+h*w], out[p:p+h*w]
		for y := range h {
			for x := range w {
				var s float32
				var k int
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						if yy, xx := y+dy, x+dx; yy >= 0 && yy < h && xx >= 0 && xx < w {
							s += plane[yy*w+xx]
							k++
						}
					}
				}
				dst[y*w+x] = s / float32(k)
			}
		}
	}
	return out
}

// noised returns images mixed with uniform noise: (1−a)·x + a·u.
func noised(images []float32, a float32, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]float32, len(images))
	for i, v := range images {
		out[i] = (1-a)*v + a*rng.Float32()
	}
	return out
}

// TestRandomFeaturesRank measures, through the untrained network of
// RandomFeatures, real held-out images and worse versions of them against
// a reference set of real images, on grey MNIST and on colour MNIST: FID
// grows with the share of uniform noise mixed in, from the real images
// to pure noise, and blurred images fall between the real images and
// the noise. Precision and recall fall from the real images to the noise.
func TestRandomFeaturesRank(t *testing.T) {
	const n = 500
	colourDir := filepath.Join(t.TempDir(), "colour-mnist")
	require.NoError(t, datasets.WriteColourMNIST(colourDir, datasets.ColourMNISTOptions{N: 2 * n, Seed: 1}))
	colour, err := datasets.LoadFolder(colourDir, datasets.FolderOptions{})
	require.NoError(t, err)
	grey, err := datasets.MNIST(datasets.Train, "")
	require.NoError(t, err)

	for _, set := range []*datasets.Set{grey, colour.Train} {
		c, h, w := set.Channels(), set.H, set.W
		t.Run(fmt.Sprintf("%dx%dx%d", c, h, w), func(t *testing.T) {
			all := Pixels(set)
			size := c * h * w
			ref, real := all[:n*size], all[n*size:2*n*size]
			clf, err := RandomFeatures(c, h, w)
			require.NoError(t, err)
			ev, err := NewEvaluator(clf, ref, "real", Options{FeaturesOnly: true})
			require.NoError(t, err)
			measure := func(name string, images []float32) *Report {
				r, err := ev.Evaluate(context.Background(), images)
				require.NoError(t, err)
				t.Logf("%-16s FID %8.4f  precision %.3f  recall %.3f", name, r.FID, r.Precision, r.Recall)
				require.True(t, r.FeaturesOnly)
				require.Zero(t, r.InceptionScore)
				require.Nil(t, r.Histogram)
				return r
			}
			realR := measure("real", real)
			prev := realR
			for i, a := range []float32{0.25, 0.5, 1} {
				r := measure(fmt.Sprintf("noise share %.2f", a), noised(real, a, uint64(i)))
				require.Greater(t, r.FID, prev.FID, "noise share %g", a)
				prev = r
			}
			noise := prev
			blurred := measure("blurred", blur(real, c, h, w))
			require.Greater(t, blurred.FID, realR.FID)
			require.Less(t, blurred.FID, noise.FID)
			require.Less(t, noise.Precision, realR.Precision/2)
			require.Less(t, noise.Recall, realR.Recall/2)
		})
	}
}
