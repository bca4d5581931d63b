package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/visual"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// TestSampleFilesAreTheModelsOwn: for every kind of model, conditional or
// not, with and without -class, the .idx and .png files sample writes hold
// exactly the images the model's own generator draws for the seed, written
// as the command always wrote them. 1050 images cross the parts in which
// the images are drawn.
func TestSampleFilesAreTheModelsOwn(t *testing.T) {
	type draw func(n, class int, seed uint64) ([]float32, error)
	ganModel := func(cfg gan.Config) func(t *testing.T) (string, draw) {
		return func(t *testing.T) (string, draw) {
			m, err := gan.New(cfg, 5)
			require.NoError(t, err)
			s, err := gan.NewStep(m, gan.TrainConfig{Batch: 8}, 1)
			require.NoError(t, err)
			g := gan.NewGenerator(m)
			dir, _ := testutil.SaveRun(t, s, 0)
			return dir, func(n, class int, seed uint64) ([]float32, error) {
				if class >= 0 {
					return g.GenerateClass(n, class, seed)
				}
				return g.Generate(n, seed)
			}
		}
	}
	vaeModel := func(cfg vae.Config) func(t *testing.T) (string, draw) {
		return func(t *testing.T) (string, draw) {
			m, err := vae.New(cfg, 5)
			require.NoError(t, err)
			s, err := vae.NewStep(m, vae.TrainConfig{Batch: 8}, 1)
			require.NoError(t, err)
			v := vae.NewInference(m)
			dir, _ := testutil.SaveRun(t, s, 0)
			return dir, func(n, class int, seed uint64) ([]float32, error) {
				if class >= 0 {
					return v.SampleClass(n, class, seed)
				}
				return v.Sample(n, seed)
			}
		}
	}
	for _, c := range []struct {
		name   string
		model  func(t *testing.T) (string, draw)
		n      int
		class  int
		seed   uint64
		format string
	}{
		{"gan idx", ganModel(gan.Config{GHidden: []int{32}, DHidden: []int{16}}), 1050, -1, 3, ".idx"},
		{"gan png", ganModel(gan.Config{GHidden: []int{32}, DHidden: []int{16}}), 64, -1, 1, ".png"},
		{"dcgan idx", ganModel(gan.Config{Arch: "dcgan", Z: 8, GChannels: []int{8, 4}, DChannels: []int{4, 8}}), 130, -1, 2, ".idx"},
		{"conditional gan random classes", ganModel(gan.Config{GHidden: []int{32}, DHidden: []int{16}, Classes: 10}), 1050, -1, 7, ".idx"},
		{"conditional gan class 3", ganModel(gan.Config{GHidden: []int{32}, DHidden: []int{16}, Classes: 10}), 1050, 3, 7, ".png"},
		{"vae idx", vaeModel(vae.Config{Hidden: []int{32}, Z: 4}), 1050, -1, 4, ".idx"},
		{"conv vae png", vaeModel(vae.Config{Arch: vae.ArchConv, Channels: []int{4, 8}, Hidden: []int{16}, Z: 4}), 30, -1, 4, ".png"},
		{"conditional vae class 9", vaeModel(vae.Config{Hidden: []int{32}, Z: 4, Classes: 10}), 1050, 9, 2, ".idx"},
		{"conditional vae random classes", vaeModel(vae.Config{Hidden: []int{32}, Z: 4, Classes: 10}), 101, -1, 2, ".png"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, draw := c.model(t)
			out := filepath.Join(t.TempDir(), "got"+c.format)
			args := []string{"-ckpt", dir, "-n", strconv.Itoa(c.n), "-seed", strconv.FormatUint(c.seed, 10), "-o", out}
			if c.class >= 0 {
				args = append(args, "-class", strconv.Itoa(c.class))
			}
			var log bytes.Buffer
			require.NoError(t, run(context.Background(), args, &log, &log))
			got, err := os.ReadFile(out)
			require.NoError(t, err)

			imgs, err := draw(c.n, c.class, c.seed)
			require.NoError(t, err)
			wantPath := filepath.Join(t.TempDir(), "want"+c.format)
			if c.format == ".idx" {
				data := make([]uint8, len(imgs))
				visual.ToUint8(imgs, 0, 1, data)
				require.NoError(t, datasets.WriteIDX(wantPath, &datasets.IDX{Dims: []int{c.n, 28, 28}, Data: data}))
			} else {
				grid, err := visual.Grid(imgs, c.n, visual.Shape{H: 28, W: 28}, 0, 0, 1)
				require.NoError(t, err)
				require.NoError(t, visual.SavePNG(wantPath, visual.Upscale(grid, 2)))
			}
			want, err := os.ReadFile(wantPath)
			require.NoError(t, err)
			require.True(t, bytes.Equal(want, got), "%s differs from the model's own images", c.format)
		})
	}
}
