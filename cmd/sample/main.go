// Command sample draws images from a trained model's checkpoint and writes
// them as an IDX file (the MNIST format, for evaluation tools; grey images
// only), a PNG grid (to look at) or a folder of PNG files, one per image.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/visual"
	"github.com/gorgozoo/gorgozoo/zoo"
)

const summary = `
sample draws images from a checkpoint.

  go run ./cmd/sample -ckpt runs/gan-20260101-120000 -n 64 -o grid.png
  go run ./cmd/sample -ckpt path/to/ckpt-000028110.safetensors -n 10000 -o samples.idx
  go run ./cmd/sample -ckpt runs/gan-20260101-120000 -n 10000 -o samples/

-ckpt takes a checkpoint file or a run folder (its latest checkpoint), of a
GAN (the generator on Gaussian noise) or a VAE (the decoder on prior draws,
pixels = its Bernoulli means).
-o ending in .idx writes an IDX3 ubyte file (N×H×W, the MNIST format; grey
models only); ending in .png writes a grid, in colour for a colour model;
ending in / (or naming an existing folder) writes one PNG file per image,
00000.png, 00001.png, … in drawing order, at the model's own size (grey or
RGB), into a new or empty folder. -cols and -scale shape the grid only.
-class N draws only digit N from a class-conditional GAN (train-gan -classes)
or VAE (train-vae -classes). -generator K draws every image with generator K
of a GAN trained with several (train-gan -generators); without it each image
comes from one of them, chosen uniformly. Without it a conditional model draws random
classes, and a folder's file names do not say which; write each class to
its own folder (-class 3 -o samples/3/) for a labelled folder.
A diffusion model (train-diffusion) draws with DDIM in 50 steps and
η = 1 (fresh noise at each step) unless -sampler, -steps, -eta or
-guidance say otherwise; -eta 0 is the deterministic sampler:

  go run ./cmd/sample -ckpt runs/diffusion-20260101-120000 -steps 100 -eta 0
  go run ./cmd/sample -ckpt runs/cdiffusion -class 3 -guidance 3
  go run ./cmd/sample -ckpt runs/diffusion-20260101-120000 -sampler ddpm`

type options struct {
	Ckpt string
	N    int
	Seed uint64
	Out  string
	// Folder: Out names a folder, to hold one PNG file per image.
	Folder bool
	Cols   int
	Scale  int
	Class  int // class of a conditional GAN or VAE; -1: random classes
	// Generator is the generator of a GAN's mixture that draws every
	// image; -1: each image's own.
	Generator int
	// MaxMemory bounds the model and the images drawn.
	MaxMemory cli.Memory
	Sampling  cli.SamplingFlags // a diffusion model's sampler
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Exit(os.Stderr, "sample", run(ctx, os.Args[1:], os.Stdout, os.Stderr)))
}

func parse(args []string, stdout io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	fs.StringVar(&o.Ckpt, "ckpt", "", "checkpoint file, or a run folder (uses its latest checkpoint)")
	fs.IntVar(&o.N, "n", 64, "number of images")
	fs.Uint64Var(&o.Seed, "seed", 1, "noise seed: same seed, same images")
	fs.StringVar(&o.Out, "o", "samples.png", "output: .idx (IDX3 ubyte), .png (grid) or a folder DIR/ (one PNG file per image)")
	fs.IntVar(&o.Cols, "cols", 0, "grid columns for .png (0: square)")
	fs.IntVar(&o.Scale, "scale", 2, "pixel upscaling for .png")
	fs.IntVar(&o.Class, "class", -1, "draw only this class from a class-conditional GAN or VAE (-1: any class)")
	fs.IntVar(&o.Generator, "generator", -1, "draw every image with this generator (0, 1, …) of a GAN trained with -generators (-1: each image's own, uniformly)")
	cli.RegisterMemory(fs, &o.MaxMemory)
	o.Sampling.Register(fs, "steps")
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cli.PrintUsage(stdout, fs, summary)
		}
		return o, err
	}
	var c cli.Checks
	c.Count("n", int64(o.N), cli.MaxImages)
	c.NonNegative("cols", int64(o.Cols))
	c.Count("scale", int64(o.Scale), maxScale)
	o.Sampling.Check(fs, &c)
	if err := c.Err(); err != nil {
		return o, err
	}
	if o.Class < -1 {
		return o, cli.Usagef("-class %d: give a class (0 or more) or -1 for any", o.Class)
	}
	if o.Generator < -1 {
		return o, cli.Usagef("-generator %d: give a generator (0 or more) or -1 for each image's own", o.Generator)
	}
	folder, err := outputFolder(o.Out)
	if err != nil {
		return o, err
	}
	o.Folder = folder
	if !o.Folder && !strings.HasSuffix(o.Out, ".idx") && !strings.HasSuffix(o.Out, ".png") {
		return o, cli.Usagef("-o %s: the file name must end in .idx or .png, or name a folder (ending in /)", o.Out)
	}
	if !o.Folder && strings.HasSuffix(o.Out, ".png") && o.N > 10000 {
		return o, cli.Usagef("-n %d is too many for a PNG grid (at most 10000; use .idx or a folder DIR/)", o.N)
	}
	return o, nil
}

// maxScale bounds -scale: a 10,000-image grid of 28×28 images scaled 8
// times is already 64 megapixels.
const maxScale = 64

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stdout)
	if err != nil {
		return err
	}
	path, err := cli.CheckpointPath(o.Ckpt)
	if err != nil {
		return err
	}
	m, err := zoo.LoadWithin(path, o.MaxMemory.Bytes())
	if err != nil {
		return fmt.Errorf("-ckpt %s: %w", o.Ckpt, err)
	}
	if m, err = o.Sampling.Apply(m); err != nil {
		return err
	}
	if o.Generator >= 0 {
		g, ok := m.(*zoo.GAN)
		if !ok {
			return cli.Usagef("-generator %d: a %s model has no generators to choose from", o.Generator, m.Kind())
		}
		if m, err = g.Component(o.Generator); err != nil {
			return cli.Usagef("-generator %d: %v", o.Generator, err)
		}
	}
	path = m.Checkpoint().Path
	c, h, w := m.Shape()
	if c != 1 && !o.Folder && strings.HasSuffix(o.Out, ".idx") {
		return cli.Usagef("-o %s: IDX files hold grey images, and this model draws %d-channel ones; write a folder (-o DIR/) or a PNG grid (-o FILE.png)", o.Out, c)
	}
	imgs, err := m.Generate(ctx, o.N, o.Seed, o.Class)
	if err != nil {
		return err
	}
	shape := visual.Shape{C: c, H: h, W: w}
	switch {
	case o.Folder:
		if err := writeFolder(ctx, o.Out, imgs, o.N, shape, stderr); err != nil {
			return err
		}
	case strings.HasSuffix(o.Out, ".idx"):
		data := make([]uint8, len(imgs))
		visual.ToUint8(imgs, 0, 1, data)
		if err := datasets.WriteIDX(o.Out, &datasets.IDX{Dims: []int{o.N, h, w}, Data: data}); err != nil {
			return err
		}
	default:
		grid, err := visual.Grid(imgs, o.N, shape, o.Cols, 0, 1)
		if err != nil {
			return err
		}
		big := visual.Upscale(grid, o.Scale)
		if big == nil {
			b := grid.Bounds()
			return cli.Usagef("-scale %d: the %dx%d grid would be too large to draw; lower -scale or -n", o.Scale, b.Dx(), b.Dy())
		}
		if err := visual.SavePNG(o.Out, big); err != nil {
			return err
		}
	}
	size := fmt.Sprintf("%dx%d", h, w)
	if c != 1 {
		size = fmt.Sprintf("%dx%dx%d", c, h, w)
	}
	fmt.Fprintf(stdout, "wrote %d images (%s) from %s to %s\n", o.N, size, path, o.Out)
	return nil
}
