package attention

import (
	"fmt"
	"math/rand/v2"

	"github.com/gorgozoo/gorgozoo/graphs"
	G "gorgonia.org/gorgonia"
)

// Config selects the form of the block. The zero value is the paper's
// form; Config{Pool: true, HalfValues: true} is the authors' code's.
type Config struct {
	// Pool max-pools keys and values over 2×2 windows, so that each of the
	// N query positions attends to ⌊H/2⌋·⌊W/2⌋ ≈ N/4 key positions: four
	// times fewer products and attention weights. Maps only; H and W must
	// be at least 2 (an odd last row or column is dropped, as PyTorch's
	// max_pool2d does).
	Pool bool
	// HalfValues gives the value layer h C/2 channels (at least 1) and adds
	// an output layer v from C/2 back to C channels.
	HalfValues bool
}

// Block is the self-attention block on NCHW feature maps. Its layers are
// exported so that callers can reach them (for example to normalise their
// weights); [Block.Params] lists every parameter.
type Block struct {
	Name     string
	Channels int // C, of the input and the output
	Config   Config

	F, G, H *graphs.Conv2d // query, key and value 1×1 convolutions
	V       *graphs.Conv2d // output 1×1 convolution; nil unless Config.HalfValues
	Gamma   *graphs.Param  // [1], starts at 0 so the block starts as the identity
}

// New returns a block named prefix (parameters prefix.f.weight,
// prefix.f.bias, … prefix.gamma) for maps with the given number of
// channels. The layers get PyTorch's default initialisation, drawn from rng
// in the order f, g, h, v.
func New(prefix string, channels int, cfg Config, rng *rand.Rand) (*Block, error) {
	if channels < 1 {
		return nil, fmt.Errorf("attention %s: need at least 1 channel, got %d", prefix, channels)
	}
	qk, values := queryChannels(channels), valueChannels(channels, cfg.HalfValues)
	conv := func(name string, in, out int) *graphs.Conv2d {
		return graphs.NewConv2d(prefix+"."+name, in, out, 1, 1, 0, rng)
	}
	a := &Block{Name: prefix, Channels: channels, Config: cfg}
	a.F = conv("f", channels, qk)
	a.G = conv("g", channels, qk)
	a.H = conv("h", channels, values)
	if cfg.HalfValues {
		a.V = conv("v", values, channels)
	}
	a.Gamma = graphs.NewParam(prefix+".gamma", 1)
	return a, nil
}

// queryChannels is the width of queries and keys: C/8 as in the paper, but
// at least 1.
func queryChannels(c int) int { return max(c/8, 1) }

func valueChannels(c int, half bool) int {
	if half {
		return max(c/2, 1)
	}
	return c
}

// Layers returns the block's convolutions: f, g, h, and v if present.
func (a *Block) Layers() []*graphs.Conv2d {
	ls := []*graphs.Conv2d{a.F, a.G, a.H}
	if a.V != nil {
		ls = append(ls, a.V)
	}
	return ls
}

// Params returns the parameters in the order of PyTorch's state_dict:
// the layers' weights and biases, then gamma.
func (a *Block) Params() graphs.Params { return graphs.CollectParams(a) }

// Forward returns y = γ·o + x for x [batch, C, H, W] (see the package
// documentation).
func (a *Block) Forward(b *graphs.Builder, x *G.Node) *G.Node {
	y, _ := a.ForwardWeights(b, x)
	return y
}

// ForwardWeights returns y as Forward does, and the attention weights β
// [batch, H·W, keys]: row i of β[n] holds the weights of query position i
// (row-major over H×W) over the key positions (H·W of them, or the pooled
// ⌊H/2⌋·⌊W/2⌋), and sums to 1. Read β after a run through
// [graphs.Builder.Keep].
func (a *Block) ForwardWeights(b *graphs.Builder, x *G.Node) (y, beta *G.Node) {
	if b.Err() != nil || x == nil {
		b.Fail("attention "+a.Name, fmt.Errorf("no input (an earlier step failed)"))
		return nil, nil
	}
	s := x.Shape()
	if x.Dims() != 4 || s[1] != a.Channels {
		b.Fail("attention "+a.Name, fmt.Errorf("want maps [batch, %d, h, w], got %v", a.Channels, s))
		return nil, nil
	}
	if a.Config.Pool && (s[2] < 2 || s[3] < 2) {
		b.Fail("attention "+a.Name, fmt.Errorf("pooling keys 2×2 needs maps at least 2×2, got %v", s))
		return nil, nil
	}
	batch, h, w := s[0], s[2], s[3]
	keys := func(m *G.Node) *G.Node { // [batch, c, h, w] → [batch, c, key positions]
		if a.Config.Pool {
			m = b.MaxPool2d(m, 2)
		}
		if m == nil {
			return nil
		}
		ms := m.Shape()
		return b.Reshape(m, batch, ms[1], ms[2]*ms[3])
	}
	f := b.Reshape(a.F.Forward(b, x), batch, queryChannels(a.Channels), h*w)
	g := keys(a.G.Forward(b, x))
	v := keys(a.H.Forward(b, x))
	beta = b.Softmax(b.BatchedMatMul(f, g, true, false)) // [batch, h·w, keys]
	o := b.BatchedMatMul(v, beta, false, true)           // [batch, values, h·w]
	o = b.Reshape(o, batch, valueChannels(a.Channels, a.Config.HalfValues), h, w)
	if a.V != nil {
		o = a.V.Forward(b, o)
	}
	y = b.Add(b.ScaleBy(b.Param(a.Gamma), o), x)
	if b.Err() != nil {
		return nil, nil
	}
	return y, beta
}

// Footprint estimates a block's parameters and the activations it keeps
// for one image of h×w maps (see graphs.Footprint), with the layers'
// spectral-norm buffers when spectral. The attention weights, one per
// query position and key position, dominate on large maps.
func (c Config) Footprint(channels, h, w int, spectral bool) graphs.Footprint {
	var f graphs.Footprint
	qk, values := queryChannels(channels), valueChannels(channels, c.HalfValues)
	layers := [][2]int{{channels, qk}, {channels, qk}, {channels, values}}
	if c.HalfValues {
		layers = append(layers, [2]int{values, channels})
	}
	for _, l := range layers {
		f.Conv(l[0], l[1], 1, h, w)
		if spectral {
			f.SpectralNorm(int64(l[1]), int64(l[0]))
		}
	}
	f.Params = graphs.AddSat(f.Params, 1) // gamma
	positions := graphs.MulSat(int64(h), int64(w))
	keys := positions
	if c.Pool {
		keys = graphs.MulSat(int64(h/2), int64(w/2))
	}
	f.Values(graphs.MulSat(positions, keys))
	return f
}
