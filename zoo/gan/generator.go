package gan

import (
	"fmt"
	"math/rand/v2"
	"sync"

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

	mu   sync.Mutex
	free []*forward
}

// forward is one compiled graph z → G(z) for generateBatch samples.
type forward struct {
	vm  *graphs.Machine
	z   *G.Node
	y   *G.Node // one-hot labels of a conditional model; nil otherwise
	out *graphs.Result
}

// NewGenerator returns a generator for m's current parameters: the moving
// average of G's weights when m keeps one, else G itself.
func NewGenerator(m *Model) *Generator { return &Generator{model: m} }

// Config returns the architecture of the underlying model.
func (g *Generator) Config() Config { return g.model.Config }

func (g *Generator) get() (*forward, error) {
	g.mu.Lock()
	if n := len(g.free); n > 0 {
		f := g.free[n-1]
		g.free = g.free[:n-1]
		g.mu.Unlock()
		return f, nil
	}
	g.mu.Unlock()
	b := graphs.NewBuilder()
	f := &forward{z: b.Input("z", generateBatch, g.model.Config.Z)}
	f.y = g.model.labelInput(b, "y", generateBatch)
	f.out = b.Keep(g.model.Generate(b, g.model.Sampler(), f.z, f.y))
	vm, err := b.Compile()
	if err != nil {
		return nil, fmt.Errorf("gan: building the generator graph: %w", err)
	}
	f.vm = vm
	return f, nil
}

func (g *Generator) put(f *forward) {
	g.mu.Lock()
	g.free = append(g.free, f)
	g.mu.Unlock()
}

// FromNoise maps latent vectors (n×Z values, one vector after another) to
// n images with pixels in [0, 1] (black 0, white 1), H×W each. A
// conditional model also needs classes: use [Generator.FromNoiseLabels].
func (g *Generator) FromNoise(z []float32) ([]float32, error) {
	return g.FromNoiseLabels(z, nil)
}

// FromNoiseLabels is FromNoise for a conditional model: image i shows class
// labels[i]. labels must be nil for an unconditional model.
func (g *Generator) FromNoiseLabels(z []float32, labels []int) ([]float32, error) {
	zdim, pixels, classes := g.model.Config.Z, g.model.Config.Pixels(), g.model.Config.Classes
	if len(z)%zdim != 0 {
		return nil, fmt.Errorf("gan: %d noise values is not a whole number of %d-dimensional latent vectors", len(z), zdim)
	}
	n := len(z) / zdim
	switch {
	case classes == 0 && labels != nil:
		return nil, fmt.Errorf("gan: the model is not class-conditional; it takes no labels")
	case classes > 0 && len(labels) != n:
		return nil, fmt.Errorf("gan: the model is conditioned on %d classes: %d latent vectors need %d labels, got %d", classes, n, n, len(labels))
	}
	for i, y := range labels {
		if y < 0 || y >= classes {
			return nil, fmt.Errorf("gan: label %d (image %d) is not a class in [0, %d)", y, i, classes)
		}
	}
	f, err := g.get()
	if err != nil {
		return nil, err
	}
	defer g.put(f)
	out := make([]float32, n*pixels)
	zin := graphs.Value(f.z).Data().([]float32)
	for start := 0; start < n; start += generateBatch {
		k := min(generateBatch, n-start)
		copy(zin, z[start*zdim:(start+k)*zdim])
		clear(zin[k*zdim:])
		if f.y != nil {
			yin := graphs.Value(f.y).Data().([]float32)
			clear(yin)
			if err := OneHot(yin[:k*classes], labels[start:start+k], classes); err != nil {
				return nil, err
			}
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
	z, err := g.noise(n, seed)
	if err != nil {
		return nil, err
	}
	classes := g.model.Config.Classes
	if classes == 0 {
		return g.FromNoise(z)
	}
	// A stream of its own, so that the noise is the one GenerateClass uses.
	rng := rand.New(rand.NewPCG(seed, 0x9b05688c))
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(classes)
	}
	return g.FromNoiseLabels(z, labels)
}

// GenerateClass draws n images of class class from a conditional model,
// from the same noise as Generate(n, seed): the same seed and class give the
// same images, and one seed with two classes gives the same latent points
// drawn as each class.
func (g *Generator) GenerateClass(n, class int, seed uint64) ([]float32, error) {
	classes := g.model.Config.Classes
	if classes == 0 {
		return nil, fmt.Errorf("gan: the model is not class-conditional; cannot draw class %d", class)
	}
	if class < 0 || class >= classes {
		return nil, fmt.Errorf("gan: class %d is not in [0, %d)", class, classes)
	}
	z, err := g.noise(n, seed)
	if err != nil {
		return nil, err
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = class
	}
	return g.FromNoiseLabels(z, labels)
}

// noise returns n latent vectors seeded by seed.
func (g *Generator) noise(n int, seed uint64) ([]float32, error) {
	if n < 0 {
		return nil, fmt.Errorf("gan: cannot generate %d images", n)
	}
	z := make([]float32, n*g.model.Config.Z)
	graphs.FillNormal(z, rand.New(rand.NewPCG(seed, 0x510e527f)))
	return z, nil
}
