package vae

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// inferBatch is the batch size of inference graphs: large enough for the
// matrix products to be efficient, small enough to keep memory low.
const inferBatch = 100

// Inference encodes, decodes, reconstructs and samples with a trained VAE
// on plain []float32 values. It is safe for concurrent use: each call
// borrows a compiled pair of graphs from a pool, so no graph is run by two
// goroutines at once. Callers must not update the model's parameters, or
// build other graphs on the same model, while an Inference is in use.
type Inference struct {
	model *Model
	pool  *graphs.Pool[*engine]
}

// engine is one compiled encoder graph x → (μ, log σ²) and one compiled
// decoder graph z → σ(logits), each for inferBatch rows.
type engine struct {
	encVM      *graphs.Machine
	x          *G.Node
	xy         *G.Node // one-hot labels of the encoder; nil for an unconditional model
	mu, logvar *graphs.Result
	decVM      *graphs.Machine
	z          *G.Node
	zy         *G.Node // one-hot labels of the decoder; nil for an unconditional model
	pixels     *graphs.Result
}

// NewInference returns an Inference for m's current parameters.
func NewInference(m *Model) *Inference {
	f := &Inference{model: m}
	f.pool = graphs.NewPool(f.build)
	return f
}

// Config returns the configuration of the underlying model.
func (f *Inference) Config() Config { return f.model.Config }

func (f *Inference) build() (*engine, error) {
	cfg := f.model.Config
	e := &engine{}
	b := graphs.NewBuilder()
	e.x = b.Input("x", inferBatch, cfg.Pixels())
	e.xy = f.model.labelInput(b, "y", inferBatch)
	mu, logvar := f.model.Encode(b, e.x, e.xy)
	e.mu, e.logvar = b.Keep(mu), b.Keep(logvar)
	var err error
	if e.encVM, err = b.Compile(); err != nil {
		return nil, fmt.Errorf("vae: building the encoder graph: %w", err)
	}
	b = graphs.NewBuilder()
	e.z = b.Input("z", inferBatch, cfg.Z)
	e.zy = f.model.labelInput(b, "y", inferBatch)
	e.pixels = b.Keep(b.Sigmoid(f.model.Decode(b, e.z, e.zy)))
	if e.decVM, err = b.Compile(); err != nil {
		return nil, fmt.Errorf("vae: building the decoder graph: %w", err)
	}
	return e, nil
}

// count checks that values holds whole rows of width and returns how many.
func count(values []float32, width int, what string) (int, error) {
	if len(values)%width != 0 {
		return 0, fmt.Errorf("vae: %d values is not a whole number of %s of %d values", len(values), what, width)
	}
	return len(values) / width, nil
}

// Encode returns the posterior q(z|x) of each image: μ and log σ², n×Z
// values each, for images holding n images of H×W pixels in [0, 1], one
// after another. labels holds one class per image for a conditional model
// and is nil for an unconditional one.
func (f *Inference) Encode(images []float32, labels []int) (mu, logvar []float32, err error) {
	cfg := f.model.Config
	n, err := count(images, cfg.Pixels(), "images")
	if err != nil {
		return nil, nil, err
	}
	if err := graphs.CheckLabels(labels, n, cfg.Classes); err != nil {
		return nil, nil, fmt.Errorf("vae: encoding: %w", err)
	}
	e, err := f.pool.Get()
	if err != nil {
		return nil, nil, err
	}
	defer f.pool.Put(e)
	mu, logvar = make([]float32, n*cfg.Z), make([]float32, n*cfg.Z)
	in := graphs.Value(e.x).Data().([]float32)
	for start := 0; start < n; start += inferBatch {
		k := min(inferBatch, n-start)
		copy(in, images[start*cfg.Pixels():(start+k)*cfg.Pixels()])
		clear(in[k*cfg.Pixels():])
		if e.xy != nil {
			if err := graphs.OneHot(graphs.Value(e.xy).Data().([]float32), labels[start:start+k], cfg.Classes); err != nil {
				return nil, nil, fmt.Errorf("vae: %w", err)
			}
		}
		if err := e.encVM.Run(); err != nil {
			return nil, nil, fmt.Errorf("vae: encoding: %w", err)
		}
		copy(mu[start*cfg.Z:(start+k)*cfg.Z], e.mu.Float32s())
		copy(logvar[start*cfg.Z:(start+k)*cfg.Z], e.logvar.Float32s())
	}
	return mu, logvar, nil
}

// Decode maps latent vectors (n×Z values, one vector after another) to n
// images of the decoder's mean pixel intensities σ(logits), in [0, 1].
// labels holds the class to draw for each latent vector for a conditional
// model and is nil for an unconditional one.
func (f *Inference) Decode(z []float32, labels []int) ([]float32, error) {
	cfg := f.model.Config
	n, err := count(z, cfg.Z, "latent vectors")
	if err != nil {
		return nil, err
	}
	if err := graphs.CheckLabels(labels, n, cfg.Classes); err != nil {
		return nil, fmt.Errorf("vae: decoding: %w", err)
	}
	e, err := f.pool.Get()
	if err != nil {
		return nil, err
	}
	defer f.pool.Put(e)
	out := make([]float32, n*cfg.Pixels())
	in := graphs.Value(e.z).Data().([]float32)
	for start := 0; start < n; start += inferBatch {
		k := min(inferBatch, n-start)
		copy(in, z[start*cfg.Z:(start+k)*cfg.Z])
		clear(in[k*cfg.Z:])
		if e.zy != nil {
			if err := graphs.OneHot(graphs.Value(e.zy).Data().([]float32), labels[start:start+k], cfg.Classes); err != nil {
				return nil, fmt.Errorf("vae: %w", err)
			}
		}
		if err := e.decVM.Run(); err != nil {
			return nil, fmt.Errorf("vae: decoding: %w", err)
		}
		copy(out[start*cfg.Pixels():(start+k)*cfg.Pixels()], e.pixels.Float32s())
	}
	return out, nil
}

// Reconstruct encodes images and decodes the posterior means: the model's
// deterministic reconstruction, pixels in [0, 1]. A conditional model
// encodes and decodes each image with its label; labels is nil for an
// unconditional one.
func (f *Inference) Reconstruct(images []float32, labels []int) ([]float32, error) {
	mu, _, err := f.Encode(images, labels)
	if err != nil {
		return nil, err
	}
	return f.Decode(mu, labels)
}

// prior returns n draws from N(0, I) made with seed.
func (f *Inference) prior(n int, seed uint64) ([]float32, error) {
	cfg := f.model.Config
	if err := graphs.CheckDraw("vae", n, cfg.Z, cfg.Pixels(), cfg.MaxMemory); err != nil {
		return nil, err
	}
	z := make([]float32, n*cfg.Z)
	graphs.FillNormal(z, rand.New(rand.NewPCG(seed, 0x1f83d9ab)))
	return z, nil
}

// Sample decodes n draws from the prior N(0, I) made with seed: the same
// seed gives the same images, pixels in [0, 1]. A conditional model draws
// each image's class uniformly at random, from a stream of its own so that
// the latent draws are those SampleClass(n, c, seed) decodes; this keeps
// sample-quality evaluation (which wants the data's mix of classes)
// working for both kinds of model.
func (f *Inference) Sample(n int, seed uint64) ([]float32, error) {
	z, labels, err := f.Draws(n, seed, -1)
	if err != nil {
		return nil, err
	}
	return f.Decode(z, labels)
}

// SampleClass decodes n prior draws made with seed, all as class class, from
// a conditional model: the same seed and class give the same images, and
// one seed with two classes gives the same latent points drawn as each.
func (f *Inference) SampleClass(n, class int, seed uint64) ([]float32, error) {
	if f.model.Config.Classes == 0 {
		return nil, fmt.Errorf("vae: the model is not class-conditional; cannot draw class %d", class)
	}
	if class < 0 {
		return nil, fmt.Errorf("vae: class %d is not in [0, %d)", class, f.model.Config.Classes)
	}
	z, labels, err := f.Draws(n, seed, class)
	if err != nil {
		return nil, err
	}
	return f.Decode(z, labels)
}

// Draws returns the prior draws and labels that Sample (class −1) or
// SampleClass (class ≥ 0) decode, for callers that decode them in parts:
// labels are nil for an unconditional model, and class −1 draws a
// conditional model's classes uniformly.
func (f *Inference) Draws(n int, seed uint64, class int) (z []float32, labels []int, err error) {
	// The labels are checked before anything is drawn; their stream is
	// one of its own, so that the prior draws are those of every class.
	labels, err = graphs.DrawLabels(n, f.model.Config.Classes, class, rand.New(rand.NewPCG(seed, 0x5be0cd19)))
	if err != nil {
		return nil, nil, fmt.Errorf("vae: %w", err)
	}
	if z, err = f.prior(n, seed); err != nil {
		return nil, nil, err
	}
	return z, labels, nil
}

// Manifold decodes a side×side grid of a 2-D latent space, taken at the
// normal quantiles Φ⁻¹((i+½)/side) on each axis so that equal areas of the
// grid hold equal prior mass (Kingma & Welling, fig. 4). Rows run along the
// second latent coordinate, columns along the first.
func (f *Inference) Manifold(side int) ([]float32, error) {
	if f.model.Config.Classes > 0 {
		return nil, fmt.Errorf("vae: a manifold grid is drawn for an unconditional model only; this one has %d classes", f.model.Config.Classes)
	}
	if f.model.Config.Z != 2 {
		return nil, fmt.Errorf("vae: a manifold grid needs a 2-D latent space, the model has %d", f.model.Config.Z)
	}
	if side < 1 {
		return nil, fmt.Errorf("vae: manifold side %d must be positive", side)
	}
	q := make([]float64, side)
	for i := range q {
		q[i] = math.Sqrt2 * math.Erfinv(2*(float64(i)+0.5)/float64(side)-1)
	}
	z := make([]float32, 0, 2*side*side)
	for r := range side {
		for c := range side {
			z = append(z, float32(q[c]), float32(q[side-1-r]))
		}
	}
	return f.Decode(z, nil)
}
