package graphs_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gorgoniaConv2d is the convolution Conv2d.Forward used before our op:
// Gorgonia's Conv2d (im2col, GEMM, transpose to NCHW) plus a broadcast
// bias. Kept here only so that benchmarks compare both in the same run.
func gorgoniaConv2d(b *graphs.Builder, c *graphs.Conv2d, x *G.Node) *G.Node {
	ws := c.Weight.Shape()
	w := b.Param(c.Weight)
	y, err := G.Conv2d(x, w, tensor.Shape{ws[2], ws[3]}, []int{c.Pad, c.Pad}, []int{max(c.Stride, 1), max(c.Stride, 1)}, []int{1, 1})
	if err != nil {
		b.Fail("conv2d", err)
		return nil
	}
	out, err := G.BroadcastAdd(y, b.Reshape(b.Param(c.Bias), 1, ws[0], 1, 1), nil, []byte{0, 2, 3})
	b.Fail("conv2d bias", err)
	return out
}

// BenchmarkConv2d times one forward and backward pass (dx, dW, dbias) of
// the convolution layers of our models at batch 64, Gorgonia's path
// against ours. The input is a bound parameter so that both compute dx,
// as every layer but a network's first does.
func BenchmarkConv2d(b *testing.B) {
	shapes := []struct {
		name          string
		in, h, out, k int
		stride, pad   int
	}{
		{"1x28x28 k4s2p1 to 32", 1, 28, 32, 4, 2, 1},
		{"32x14x14 k4s2p1 to 64", 32, 14, 64, 4, 2, 1},
		{"64x14x14 k3p1 to 32", 64, 14, 32, 3, 1, 1},
		{"32x28x28 k3p1 to 1", 32, 28, 1, 3, 1, 1},
		{"32x14x14 1x1 to 4", 32, 14, 4, 1, 1, 0},
	}
	for _, s := range shapes {
		for _, path := range []string{"gorgonia", "ours"} {
			b.Run(fmt.Sprintf("%s/%s", s.name, path), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				conv := graphs.NewConv2d("c", s.in, s.out, s.k, s.stride, s.pad, rng)
				xp := graphs.NewParam("x", 64, s.in, s.h, s.h)
				graphs.Uniform(xp, 1, rng)
				g := graphs.NewBuilder()
				x := g.Param(xp)
				var y *G.Node
				if path == "ours" {
					y = conv.Forward(g, x)
				} else {
					y = gorgoniaConv2d(g, conv, x)
				}
				g.Grad(g.Sum(y), append(conv.Params(), xp))
				vm, err := g.Compile()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if err := vm.Run(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
