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
	f.out = b.Keep(g.model.Sampler().Forward(b, f.z))
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
// n images with pixels in [0, 1] (black 0, white 1), H×W each.
func (g *Generator) FromNoise(z []float32) ([]float32, error) {
	zdim, pixels := g.model.Config.Z, g.model.Config.Pixels()
	if len(z)%zdim != 0 {
		return nil, fmt.Errorf("gan: %d noise values is not a whole number of %d-dimensional latent vectors", len(z), zdim)
	}
	n := len(z) / zdim
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
// the same seed gives the same images.
func (g *Generator) Generate(n int, seed uint64) ([]float32, error) {
	if n < 0 {
		return nil, fmt.Errorf("gan: cannot generate %d images", n)
	}
	z := make([]float32, n*g.model.Config.Z)
	graphs.FillNormal(z, rand.New(rand.NewPCG(seed, 0x510e527f)))
	return g.FromNoise(z)
}
