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
// are not multiples of a micro-panel, one channel, batch 1, kernels
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
}

func randDense(rng *rand.Rand, shape ...int) *tensor.Dense {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
	for i := range t.Data().([]float32) {
		t.Data().([]float32)[i] = float32(rng.NormFloat64())
	}
	return t
}


// TestConvPathsAgree checks the forward pass and both gradients computed
// by implicit GEMM and the flipped convolution against the im2col and
// col2im path, in float32.
func TestConvPathsAgree(t *testing.T) {
	for _, s := range convShapes {
		g := newConvGeom(tensor.Shape{s.n, s.c, s.h, s.w}, tensor.Shape{s.o, s.c, s.k, s.k}, s.stride, s.pad)
		t.Run(fmt.Sprintf("%dx%dx%dx%d k%d s%d p%d to %d", s.n, s.c, s.h, s.w, s.k, s.stride, s.pad, s.o), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(s.h)))
			x := randDense(rng, s.n, s.c, s.h, s.w)
			w := randDense(rng, s.o, s.c, s.k, s.k)
			bias := randDense(rng, s.o)
			dy := randDense(rng, s.n, s.o, g.oh, g.ow)
			for _, d := range []struct {
				dir convDir
				in  []*tensor.Dense
				sum int // products summed into each output value
			}{
				{convForward, []*tensor.Dense{x, w, bias}, g.ckk()},
				{convInputGrad, []*tensor.Dense{w, dy, nil}, g.o * g.k * g.k},
				{convWeightGrad, []*tensor.Dense{x, dy, nil}, s.n * g.pix()},
			} {
				in := d.in
				if in[2] == nil {
					in = in[:2]
				}
				want := runDirN(t, pathIm2col, d.dir, g, in)
				for _, path := range []int{pathRule, pathImplicit, pathFlipped} {
					got := runDirN(t, path, d.dir, g, in)
					// float32 round-off of sums of d.sum products of
					// unit normals, summed in another order
					for i := range want {
						tol := 1e-6 * (4*math.Sqrt(float64(d.sum)) + math.Abs(float64(want[i])))
						require.InDelta(t, want[i], got[i], tol, "%v path %d value %d", d.dir, path, i)
					}
				}
			}
		})
	}
}

func runDirN(t *testing.T, path int, dir convDir, g convGeom, in []*tensor.Dense) []float32 {
	defer func(old int) { convPath = old }(convPath)
	convPath = path
	op := newConvOp(dir, g, true)
	var out any
	var err error
	switch len(in) {
	case 3:
		out, err = op.Do(in[0], in[1], in[2])
	default:
		out, err = op.Do(in[0], in[1])
	}
	require.NoError(t, err)
	return append([]float32(nil), out.(*tensor.Dense).Data().([]float32)...)
}
