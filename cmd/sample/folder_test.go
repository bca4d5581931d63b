package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/visual"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// colourGAN saves a small untrained MLP GAN drawing 3×32×32 images in a
// run folder and returns the folder and the model.
func colourGAN(t *testing.T) (string, *gan.Model) {
	t.Helper()
	return ganRun(t, gan.Config{ImageChannels: 3, Height: 32, Width: 32, GHidden: []int{16}, DHidden: []int{8}})
}

// TestSampleFolder: -o DIR/ writes one PNG file per image, 00000.png
// onwards, at the model's size, RGB for a colour model and grey for a
// grey one, each pixel the model's own value.
func TestSampleFolder(t *testing.T) {
	colourDir, colourModel := colourGAN(t)
	greyDir, greyModel := ganRun(t, gan.Config{GHidden: []int{16}, DHidden: []int{8}})
	for _, c := range []struct {
		name    string
		ckpt    string
		model   *gan.Model
		n       int
		c, h, w int
	}{
		{"colour", colourDir, colourModel, 12, 3, 32, 32},
		{"grey", greyDir, greyModel, 5, 1, 28, 28},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "new", "samples") + "/"
			var log bytes.Buffer
			require.NoError(t, run(context.Background(), []string{"-ckpt", c.ckpt, "-n", fmt.Sprint(c.n), "-seed", "3", "-o", out}, &log, &log))
			want, err := gan.NewGenerator(c.model).Generate(c.n, 3)
			require.NoError(t, err)
			entries, err := os.ReadDir(out)
			require.NoError(t, err)
			require.Len(t, entries, c.n)
			per := c.c * c.h * c.w
			wantBytes := make([]uint8, len(want))
			visual.ToUint8(want, 0, 1, wantBytes)
			for i, e := range entries {
				require.Equal(t, fmt.Sprintf("%05d.png", i), e.Name())
				img := testutil.DecodePNG(t, filepath.Join(out, e.Name()))
				require.Equal(t, image.Rect(0, 0, c.w, c.h), img.Bounds(), e.Name())
				planes := wantBytes[i*per : (i+1)*per]
				switch c.c {
				case 1:
					g, ok := img.(*image.Gray)
					require.True(t, ok, "%s is %T, want grey", e.Name(), img)
					require.Equal(t, planes, g.Pix, e.Name())
				case 3:
					rgba, ok := img.(*image.RGBA)
					require.True(t, ok, "%s is %T, want RGB", e.Name(), img)
					grey := true
					for y := range c.h {
						for x := range c.w {
							p := rgba.RGBAAt(x, y)
							at := y*c.w + x
							require.Equal(t, [4]uint8{planes[at], planes[c.h*c.w+at], planes[2*c.h*c.w+at], 255}, [4]uint8{p.R, p.G, p.B, p.A}, "%s at (%d, %d)", e.Name(), x, y)
							grey = grey && p.R == p.G && p.G == p.B
						}
					}
					require.False(t, grey, "%s has no colour", e.Name())
				}
			}
		})
	}
}

// TestSampleColourGrid: -o FILE.png of a colour model is an RGB grid of
// the model's images.
func TestSampleColourGrid(t *testing.T) {
	dir, m := colourGAN(t)
	out := filepath.Join(t.TempDir(), "g.png")
	var log bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-ckpt", dir, "-n", "6", "-o", out}, &log, &log))
	imgs, err := gan.NewGenerator(m).Generate(6, 1)
	require.NoError(t, err)
	grid, err := visual.Grid(imgs, 6, visual.Shape{C: 3, H: 32, W: 32}, 0, 0, 1)
	require.NoError(t, err)
	want := visual.Upscale(grid, 2).(*image.RGBA)
	got, ok := testutil.DecodePNG(t, out).(*image.RGBA)
	require.True(t, ok, "the grid is not RGB")
	require.Equal(t, want.Bounds(), got.Bounds())
	require.Equal(t, want.Pix, got.Pix)
	require.Contains(t, log.String(), "wrote 6 images (3x32x32)")
}

// TestSampleFolderErrors: a colour model asked for IDX, an existing file
// given as a folder and a folder that already holds files are refused,
// naming what is wrong, and leave nothing behind; so does a cancelled run.
func TestSampleFolderErrors(t *testing.T) {
	colour, _ := colourGAN(t)
	grey := ganCheckpoint(t)
	tmp := t.TempDir()
	file := filepath.Join(tmp, "taken")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	full := filepath.Join(tmp, "full")
	require.NoError(t, os.Mkdir(full, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(full, "old.png"), []byte("x"), 0o644))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		args []string
		want string
	}{
		{"colour IDX", context.Background(), []string{"-ckpt", colour, "-o", filepath.Join(tmp, "s.idx")}, "IDX files hold grey images, and this model draws 3-channel ones; write a folder (-o DIR/) or a PNG grid"},
		{"file as folder", context.Background(), []string{"-ckpt", grey, "-o", file + "/"}, file + " is a file, not a folder"},
		{"file inside a file", context.Background(), []string{"-ckpt", grey, "-o", filepath.Join(file, "sub") + "/"}, "not a directory"},
		{"folder not empty", context.Background(), []string{"-ckpt", grey, "-o", full}, "not empty (it holds old.png)"},
		{"folder not empty, with slash", context.Background(), []string{"-ckpt", grey, "-o", full + "/"}, "not empty"},
		{"cancelled", cancelled, []string{"-ckpt", colour, "-n", "5000", "-o", filepath.Join(tmp, "new") + "/"}, "context canceled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var log bytes.Buffer
			err := run(c.ctx, c.args, &log, &log)
			require.ErrorContains(t, err, c.want)
			entries, err := os.ReadDir(tmp)
			require.NoError(t, err)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			require.ElementsMatch(t, []string{"taken", "full"}, names, "files left behind")
			left, err := os.ReadDir(full)
			require.NoError(t, err)
			require.Len(t, left, 1, "the full folder was written to")
		})
	}
}

// TestSampleFolderExisting: an existing empty folder named without a
// trailing slash is written to as a folder.
func TestSampleFolderExisting(t *testing.T) {
	out := t.TempDir()
	var log bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-ckpt", ganCheckpoint(t), "-n", "3", "-o", out}, &log, &log))
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Len(t, entries, 3)
	require.Equal(t, "00002.png", entries[2].Name())
}
