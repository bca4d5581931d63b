package zoo

import (
	"context"
	"fmt"
	"strings"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// Model is a trained generative model loaded from a checkpoint. Its methods
// are safe for concurrent use.
type Model interface {
	// Kind is the checkpoint's model kind: gan.Kind, vae.Kind or
	// diffusion.Kind.
	Kind() string
	// Config is the model's architecture: a gan.Config, a vae.Config or a
	// diffusion.Config, with its defaults filled in.
	Config() any
	// Shape is the size of one image: channels, height and width.
	Shape() (channels, height, width int)
	// Classes is the number of classes a conditional model draws; 0 for an
	// unconditional one.
	Classes() int
	// Generate draws n images, c×h×w pixels in [0, 1] each, one after
	// another: the same seed gives the same images. class −1 draws a
	// conditional model's classes at random (and is the only choice of an
	// unconditional model); class ≥ 0 draws that class only, from the same
	// latent points as class −1. A cancelled ctx stops it between batches
	// with ctx's error.
	Generate(ctx context.Context, n int, seed uint64, class int) ([]float32, error)
	// Checkpoint describes the file the model came from: its path, step,
	// seed and so on.
	Checkpoint() Source
}

// Source is where a model was loaded from.
type Source struct {
	Path string           // the checkpoint file (a run folder's latest)
	Meta checkpoints.Meta // its kind, step, seed, config and versions
}

// Kinds lists the checkpoint kinds Load opens.
var Kinds = []string{gan.Kind, vae.Kind, diffusion.Kind}

// Load opens the checkpoint file path, or the latest checkpoint of the run
// folder path, of any model kind in Kinds. It refuses, before allocating
// it, a model that needs more than graphs.DefaultMaxMemory, and a model
// whose parameters are not all finite.
func Load(path string) (Model, error) { return LoadWithin(path, 0) }

// LoadWithin is Load with a memory limit of maxMemory bytes (0:
// graphs.DefaultMaxMemory) for the model and for the images Generate
// draws at once (the models' Config.MaxMemory).
func LoadWithin(path string, maxMemory int64) (Model, error) {
	c, file, err := checkpoints.Open(path)
	if err != nil {
		return nil, err
	}
	src := Source{Path: file, Meta: c.Meta}
	switch c.Meta.Kind {
	case gan.Kind:
		m, err := gan.FromCheckpointWithin(c, maxMemory)
		if err != nil {
			return nil, err
		}
		return &GAN{Model: m, gen: gan.NewGenerator(m), src: src}, nil
	case vae.Kind:
		m, err := vae.FromCheckpointWithin(c, maxMemory)
		if err != nil {
			return nil, err
		}
		return &VAE{Model: m, inf: vae.NewInference(m), src: src}, nil
	case diffusion.Kind:
		m, err := diffusion.FromCheckpointWithin(c, maxMemory)
		if err != nil {
			return nil, err
		}
		return &Diffusion{Model: m, sampler: diffusion.NewSampler(m), src: src}, nil
	case "":
		return nil, fmt.Errorf("zoo: %s is not a gorgozoo model checkpoint (no model kind in its metadata)", file)
	}
	return nil, fmt.Errorf("zoo: %s: cannot draw images from a %q checkpoint (kinds that can: %s)", file, c.Meta.Kind, strings.Join(Kinds, ", "))
}

// GAN is a loaded GAN: its generator draws the images.
type GAN struct {
	Model *gan.Model
	gen   *gan.Generator
	src   Source
}

// Kind returns gan.Kind.
func (g *GAN) Kind() string { return gan.Kind }

// Config returns the gan.Config of the model.
func (g *GAN) Config() any { return g.Model.Config }

// Shape returns the model's image channels and size.
func (g *GAN) Shape() (channels, height, width int) { return g.Model.Config.ImageShape() }

// Classes returns the classes of a conditional GAN, 0 otherwise.
func (g *GAN) Classes() int { return g.Model.Config.Classes }

// Checkpoint returns where the model was loaded from.
func (g *GAN) Checkpoint() Source { return g.src }

// Generate draws n images as gan.Generator's Generate (class −1) and
// GenerateClass do, with the same images for the same seed.
func (g *GAN) Generate(ctx context.Context, n int, seed uint64, class int) ([]float32, error) {
	z, labels, err := g.gen.Draws(n, seed, class)
	if err != nil {
		return nil, err
	}
	return inParts(ctx, n, g.Model.Config.Z, g.Model.Config.Pixels(), z, labels, g.gen.FromNoise)
}

// Component returns the GAN whose images all come from generator k of a
// mixture of generators (gan.Config.Generators), from the same noise as
// g's: see gan.Generator.Component.
func (g *GAN) Component(k int) (*GAN, error) {
	gen, err := g.gen.Component(k)
	if err != nil {
		return nil, err
	}
	return &GAN{Model: g.Model, gen: gen, src: g.src}, nil
}

// VAE is a loaded VAE: its decoder draws the images from the prior.
type VAE struct {
	Model *vae.Model
	inf   *vae.Inference
	src   Source
}

// Kind returns vae.Kind.
func (v *VAE) Kind() string { return vae.Kind }

// Config returns the vae.Config of the model.
func (v *VAE) Config() any { return v.Model.Config }

// Shape returns the model's image channels and size.
func (v *VAE) Shape() (channels, height, width int) { return v.Model.Config.ImageShape() }

// Classes returns the classes of a conditional VAE, 0 otherwise.
func (v *VAE) Classes() int { return v.Model.Config.Classes }

// Checkpoint returns where the model was loaded from.
func (v *VAE) Checkpoint() Source { return v.src }

// Generate decodes n prior draws as vae.Inference's Sample (class −1) and
// SampleClass do, with the same images for the same seed; pixels are the
// decoder's Bernoulli means.
func (v *VAE) Generate(ctx context.Context, n int, seed uint64, class int) ([]float32, error) {
	z, labels, err := v.inf.Draws(n, seed, class)
	if err != nil {
		return nil, err
	}
	return inParts(ctx, n, v.Model.Config.Z, v.Model.Config.Pixels(), z, labels, v.inf.Decode)
}

// Diffusion is a loaded diffusion model: its sampler draws the images
// through its weight average, by default with DDIM in 50 steps, η = 1
// and no guidance (the zero diffusion.SampleConfig); WithSampling
// chooses other settings.
type Diffusion struct {
	Model    *diffusion.Model
	sampler  *diffusion.Sampler
	sampling diffusion.SampleConfig
	src      Source
}

// Kind returns diffusion.Kind.
func (d *Diffusion) Kind() string { return diffusion.Kind }

// Config returns the diffusion.Config of the model.
func (d *Diffusion) Config() any { return d.Model.Config }

// Shape returns the model's image channels and size.
func (d *Diffusion) Shape() (channels, height, width int) { return d.Model.Config.ImageShape() }

// Classes returns the classes of a conditional model, 0 otherwise.
func (d *Diffusion) Classes() int { return d.Model.Config.Classes() }

// Checkpoint returns where the model was loaded from.
func (d *Diffusion) Checkpoint() Source { return d.src }

// Sampling returns the sampler settings Generate uses.
func (d *Diffusion) Sampling() diffusion.SampleConfig { return d.sampling }

// WithSampling returns the model drawing with the sampler settings sc
// (method, steps, η, guidance; zero fields take their defaults), sharing
// its network and compiled graphs with d. It refuses settings the model
// cannot use, such as more DDIM steps than its T.
func (d *Diffusion) WithSampling(sc diffusion.SampleConfig) (*Diffusion, error) {
	T := d.Model.Config.T
	if err := sc.WithDefaults(T).Validate(T); err != nil {
		return nil, err
	}
	c := *d
	c.sampling = sc
	return &c, nil
}

// Generate draws n images as diffusion.Sampler's Sample does with the
// model's sampler settings: the same seed gives the same images. A
// cancelled ctx stops it between steps.
func (d *Diffusion) Generate(ctx context.Context, n int, seed uint64, class int) ([]float32, error) {
	return d.sampler.Sample(ctx, n, seed, class, d.sampling)
}

// part is the number of images mapped between two looks at the context. It
// is a multiple of the models' inference batch (100), so that each image
// is computed at the same row of the same batch as in one call, and so
// comes out bit for bit the same.
const part = 1000

// inParts maps n latent vectors of zdim values (and their labels, nil for
// an unconditional model) to images of pixels values with decode, part
// images at a time, stopping when ctx is done.
func inParts(ctx context.Context, n, zdim, pixels int, z []float32, labels []int, decode func([]float32, []int) ([]float32, error)) ([]float32, error) {
	out := make([]float32, 0, n*pixels)
	for start := 0; start < n; start += part {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		end := min(start+part, n)
		var ys []int
		if labels != nil {
			ys = labels[start:end]
		}
		imgs, err := decode(z[start*zdim:end*zdim], ys)
		if err != nil {
			return nil, err
		}
		out = append(out, imgs...)
	}
	return out, nil
}
