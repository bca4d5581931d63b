package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
)

// TestConv2dFlippedInputGradient checks, against float64 finite
// differences, the gradients of convolutions whose input gradient is
// computed as a convolution with the flipped weight (stride 1, more
// input than output channels), the input's included.
func TestConv2dFlippedInputGradient(t *testing.T) {
	for _, s := range []struct {
		n, c, h, w, o, k, pad int
	}{
		{2, 4, 6, 6, 2, 3, 1}, // 3×3, padding 1
		{1, 2, 5, 7, 1, 3, 1}, // batch 1, one output channel, ragged rows
		{3, 5, 5, 4, 3, 3, 0}, // no padding
		{1, 3, 3, 3, 2, 3, 2}, // padding wider than the rows need
		{2, 2, 6, 5, 1, 4, 1}, // even kernel, stride 1
	} {
		t.Run(fmt.Sprintf("%dx%dx%dx%d k%d p%d to %d", s.n, s.c, s.h, s.w, s.k, s.pad, s.o), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(61, uint64(s.c*s.h)))
			conv := graphs.NewConv2d("conv", s.c, s.o, s.k, 1, s.pad, rng)
			x := graphs.NewParam("x", s.n, s.c, s.h, s.w)
			graphs.Uniform(x, 1, rng)
			params := append(conv.Params(), x).ToFloat64()
			layer := &graphs.Conv2d{Weight: params[0], Bias: params[1], Stride: 1, Pad: s.pad}
			require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
				return b.Mean(b.Square(b.Tanh(layer.Forward(b, b.Param(params[2])))))
			}, 0, 1e-6))
		})
	}
}
