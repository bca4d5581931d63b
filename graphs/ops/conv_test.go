package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// convShapes are the zoo's convolution shapes and odd ones: sizes that
// are not multiples of the GEMM's tiles, one channel, batch 1, kernels
// larger than the stride, windows that hang over both edges.
var convShapes = []struct {
	n, c, h, w, o, k, stride, pad int
}{
	{64, 1, 28, 28, 32, 4, 2, 1},  // DCGAN discriminator, first layer
	{64, 32, 14, 14, 64, 4, 2, 1}, // and second
	{64, 64, 14, 14, 32, 3, 1, 1}, // generator 3×3 after upsampling
	{16, 32, 28, 28, 1, 3, 1, 1},  // generator output layer
	{8, 16, 16, 16, 32, 3, 2, 1},  // U-Net downsampling
	{8, 32, 14, 14, 4, 1, 1, 0},   // attention 1×1
	{1, 1, 5, 7, 3, 3, 1, 1},      // batch 1, 1 channel, ragged rows
	{3, 2, 9, 5, 17, 3, 1, 0},     // no padding, 17 outputs
	{2, 3, 11, 13, 5, 4, 2, 1},    // odd sizes, stride 2
	{2, 1, 7, 7, 2, 5, 3, 2},      // k5 stride 3
	{1, 5, 3, 3, 19, 3, 1, 2},     // padding wider than the rows need
	{1, 2, 5, 7, 1, 3, 1, 1},      // the same with fewer outputs than inputs
	{3, 19, 9, 5, 2, 3, 1, 0},
	{1, 17, 3, 3, 5, 3, 1, 2},
	{2, 3, 6, 5, 1, 4, 1, 1}, // even kernel, stride 1
}

func randDense(rng *rand.Rand, shape ...int) *tensor.Dense {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
	for i := range t.Data().([]float32) {
		t.Data().([]float32)[i] = float32(rng.NormFloat64())
	}
	return t
}

// TestConvInputGradFlipped checks the input gradient computed as a
// convolution with the flipped weight against col2im's, in float32 (the
// float64 gradient checks in package graphs take the flipped path too).
func TestConvInputGradFlipped(t *testing.T) {
	for _, s := range convShapes {
		g := newConvGeom(tensor.Shape{s.n, s.c, s.h, s.w}, tensor.Shape{s.o, s.c, s.k, s.k}, s.stride, s.pad)
		t.Run(fmt.Sprintf("%dx%dx%dx%d k%d s%d p%d to %d", s.n, s.c, s.h, s.w, s.k, s.stride, s.pad, s.o), func(t *testing.T) {
			require.Equal(t, s.stride == 1 && s.k > 1 && s.c > s.o, g.flipped())
			rng := rand.New(rand.NewPCG(7, uint64(s.h)))
			w := randDense(rng, s.o, s.c, s.k, s.k)
			dy := randDense(rng, s.n, s.o, g.oh, g.ow)
			want := inputGrad(t, true, g, w, dy)
			got := inputGrad(t, false, g, w, dy)
			// float32 round-off of sums of o·k·k products of unit
			// normals, summed in another order
			for i := range want {
				tol := 1e-6 * (4*math.Sqrt(float64(g.o*g.k*g.k)) + math.Abs(float64(want[i])))
				require.InDelta(t, want[i], got[i], tol, "value %d", i)
			}
		})
	}
}

// inputGrad runs a fresh input gradient op, through col2im or not.
func inputGrad(t *testing.T, scatter bool, g convGeom, w, dy *tensor.Dense) []float32 {
	defer func(old bool) { scatterInputGrad = old }(scatterInputGrad)
	scatterInputGrad = scatter
	out, err := newConvOp(convInputGrad, g, false).Do(w, dy)
	require.NoError(t, err)
	return append([]float32(nil), out.(*tensor.Dense).Data().([]float32)...)
}
