package diffusion

import (
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// smallUNet is the smallest U-Net configuration the tests train and sample
// with, on images of h×w pixels.
func smallUNet(h, w, classes int) UNetConfig {
	return UNetConfig{Height: h, Width: w, Channels: []int{4}, Blocks: 1, TimeDim: 8, Classes: classes, Groups: 2, Attention: []bool{false}}
}

// toyNet is a two-layer perceptron denoiser on [x, temb, y]: small enough
// for float64 gradient checks and toy data sets.
type toyNet struct {
	FC1, FC2 *graphs.Linear
}

func newToyNet(prefix string, pixels, timeDim, classes, hidden int, rng *rand.Rand) *toyNet {
	return &toyNet{
		FC1: graphs.NewLinear(prefix+".fc1", pixels+timeDim+classes, hidden, rng),
		FC2: graphs.NewLinear(prefix+".fc2", hidden, pixels, rng),
	}
}

func (n *toyNet) Forward(b *graphs.Builder, x, temb, y *G.Node) *G.Node {
	in := []*G.Node{x, temb}
	if y != nil {
		in = append(in, y)
	}
	return n.FC2.Forward(b, b.Tanh(n.FC1.Forward(b, b.Concat(1, in...))))
}

func (n *toyNet) Params() graphs.Params { return graphs.CollectParams(n) }
