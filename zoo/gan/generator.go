package gan

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// generateBatch is the batch size of inference graphs: large enough for
// the matrix products to be efficient, small enough to keep memory low.
const generateBatch = 100

// Generator draws images from a trained generator. It is safe for
// concurrent use: each call borrows a compiled forward graph from a pool,
// and no graph is run by two goroutines at once. Callers must not update
// the model's parameters while a Generator is in use.
type Generator struct {
	model *Model
	pool  *graphs.Pool[*forward]
	// component is the generator of a mixture that draws every image,
	// or −1: each image's own (see [Generator.FromNoise]).
	component int
}

// forward is one compiled graph z → G(z) for generateBatch samples.
type forward struct {
	vm *graphs.Machine
	z  *G.Node
	y  *G.Node // one-hot labels of a conditional model; nil otherwise
	// which is a mixture's one-hot choice of generator per row; nil with
	// one generator
	which *G.Node
	out   *graphs.Result
}

// NewGenerator returns a generator for m's current parameters: the moving
// average of G's weights when m keeps one, else G itself.
func NewGenerator(m *Model) *Generator {
	g := &Generator{model: m, component: -1}
	g.pool = graphs.NewPool(g.build)
	return g
}

// Component returns a generator that draws every image with generator k
// of a mixture (Config.Generators), from the same noise as g: the same
// seed gives the same latent points drawn by generator k.
func (g *Generator) Component(k int) (*Generator, error) {
	if n := g.model.Config.GenCount(); k < 0 || k >= n {
		return nil, fmt.Errorf("gan: generator %d is not in [0, %d): the model is a mixture of %d", k, n, n)
	}
	c := &Generator{model: g.model, pool: g.pool, component: k}
	return c, nil
}

// Config returns the architecture of the underlying model.
func (g *Generator) Config() Config { return g.model.Config }

func (g *Generator) build() (*forward, error) {
	b := graphs.NewBuilder()
	f := &forward{z: b.Input("z", generateBatch, g.model.Config.Z)}
	f.y = g.model.labelInput(b, "y", generateBatch)
	if k := g.model.Config.GenCount(); k > 1 {
		f.which = b.Input("which", generateBatch, k)
	}
	f.out = b.Keep(g.model.GenerateMix(b, g.model.Sampler(), f.z, f.y, f.which))
	vm, err := b.Compile()
	if err != nil {
		return nil, fmt.Errorf("gan: building the generator graph: %w", err)
	}
	f.vm = vm
	return f, nil
}

// FromNoise maps latent vectors (n×Z values, one vector after another) to
// n images with values in [0, 1] (black 0, white 1), C×H×W each (see
// [Config.ImageShape]). labels are the images' classes for a conditional
// model (image i shows class labels[i]) and must be nil for an
// unconditional one.
//
// In a mixture of generators (Config.Generators > 1) each image is drawn
// by one of them, chosen by a hash of its latent vector: the same vector
// is always drawn by the same generator, and the Gaussian vectors of
// Generate choose each generator with equal probability, independently
// of one another. A generator from [Generator.Component] draws them all
// with its one.
func (g *Generator) FromNoise(z []float32, labels []int) ([]float32, error) {
	return g.fromNoise(z, labels, nil)
}

// fromNoise is FromNoise with, for a mixture, the generator of each image
// given (gens, one per latent vector) or, when gens is nil, chosen as
// FromNoise says.
func (g *Generator) fromNoise(z []float32, labels, gens []int) ([]float32, error) {
	zdim, pixels, classes := g.model.Config.Z, g.model.Config.Pixels(), g.model.Config.Classes
	if len(z)%zdim != 0 {
		return nil, fmt.Errorf("gan: %d noise values is not a whole number of %d-dimensional latent vectors", len(z), zdim)
	}
	n := len(z) / zdim
	if err := graphs.CheckLabels(labels, n, classes); err != nil {
		return nil, fmt.Errorf("gan: %w", err)
	}
	if gens == nil {
		gens = g.choose(z)
	}
	f, err := g.pool.Get()
	if err != nil {
		return nil, err
	}
	defer g.pool.Put(f)
	out := make([]float32, n*pixels)
	zin := graphs.Value(f.z).Data().([]float32)
	for start := 0; start < n; start += generateBatch {
		k := min(generateBatch, n-start)
		copy(zin, z[start*zdim:(start+k)*zdim])
		clear(zin[k*zdim:])
		if f.y != nil {
			if err := graphs.OneHot(graphs.Value(f.y).Data().([]float32), labels[start:start+k], classes); err != nil {
				return nil, fmt.Errorf("gan: %w", err)
			}
		}
		if f.which != nil {
			// The rows after the k images are padding: no generator, all zero.
			setOneHot(f.which, gens[start:start+k], g.model.Config.GenCount())
		}
		if err := f.vm.Run(); err != nil {
			return nil, fmt.Errorf("gan: generating: %w", err)
		}
		res := f.out.Float32s()
		dst := out[start*pixels : (start+k)*pixels]
		for i := range dst {
			dst[i] = (res[i] + 1) / 2 // tanh's [-1, 1] to [0, 1]
		}
	}
	return out, nil
}

// Generate draws n images with pixels in [0, 1] from noise seeded by seed:
// the same seed gives the same images. A conditional model draws each
// image's class uniformly, from a generator seeded by seed as well.
func (g *Generator) Generate(n int, seed uint64) ([]float32, error) {
	z, labels, err := g.Draws(n, seed, -1)
	if err != nil {
		return nil, err
	}
	return g.FromNoise(z, labels)
}

// GenerateClass draws n images of class class from a conditional model,
// from the same noise as Generate(n, seed): the same seed and class give the
// same images, and one seed with two classes gives the same latent points
// drawn as each class.
func (g *Generator) GenerateClass(n, class int, seed uint64) ([]float32, error) {
	if g.model.Config.Classes == 0 {
		return nil, fmt.Errorf("gan: the model is not class-conditional; cannot draw class %d", class)
	}
	if class < 0 {
		return nil, fmt.Errorf("gan: class %d is not in [0, %d)", class, g.model.Config.Classes)
	}
	z, labels, err := g.Draws(n, seed, class)
	if err != nil {
		return nil, err
	}
	return g.FromNoise(z, labels)
}

// Draws returns the latent vectors and labels that Generate (class −1) or
// GenerateClass (class ≥ 0) map to images, for callers that map them in
// parts: labels are nil for an unconditional model, and class −1 draws a
// conditional model's classes uniformly.
func (g *Generator) Draws(n int, seed uint64, class int) (z []float32, labels []int, err error) {
	// The labels are checked before anything is drawn; their stream is
	// one of its own, so that the noise is the one of every class.
	labels, err = graphs.DrawLabels(n, g.model.Config.Classes, class, rand.New(rand.NewPCG(seed, 0x9b05688c)))
	if err != nil {
		return nil, nil, fmt.Errorf("gan: %w", err)
	}
	if z, err = g.noise(n, seed); err != nil {
		return nil, nil, err
	}
	return z, labels, nil
}

// noise returns n latent vectors seeded by seed.
func (g *Generator) noise(n int, seed uint64) ([]float32, error) {
	cfg := g.model.Config
	if err := graphs.CheckDraw("gan", n, cfg.Z, cfg.Pixels(), cfg.MaxMemory); err != nil {
		return nil, err
	}
	z := make([]float32, n*cfg.Z)
	graphs.FillNormal(z, rand.New(rand.NewPCG(seed, 0x510e527f)))
	return z, nil
}

// choose returns the generators of a mixture that draw the latent
// vectors z, one after another.
func (g *Generator) choose(z []float32) []int {
	zdim, k := g.model.Config.Z, g.model.Config.GenCount()
	rows := make([]int, len(z)/zdim)
	for i := range rows {
		if g.component >= 0 {
			rows[i] = g.component
		} else {
			rows[i] = componentOf(z[i*zdim:(i+1)*zdim], k)
		}
	}
	return rows
}
