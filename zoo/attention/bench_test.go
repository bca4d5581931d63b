package attention

import (
	"math/rand/v2"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// BenchmarkForwardBackward runs the block where SAGAN uses it (batch 64,
// 32 channels, 14×14 maps): forward, then the gradients of every
// parameter and of the input, as in a training step.
func BenchmarkForwardBackward(b *testing.B) {
	for _, c := range []struct {
		name string
		cfg  Config
	}{{"paper", Config{}}, {"official", Config{Pool: true, HalfValues: true}}} {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			attn, err := New("attn", 32, c.cfg, rng)
			if err != nil {
				b.Fatal(err)
			}
			setGamma(attn.Gamma, 0.5)
			input := graphs.NewParam("x", 64, 32, 14, 14)
			graphs.FillNormal(input.Float32s(), rng)
			g := graphs.NewBuilder()
			y := attn.Forward(g, g.Param(input))
			g.Grad(g.Mean(g.Square(y)), append(attn.Params(), input))
			vm, err := g.Compile()
			if err != nil {
				b.Fatal(err)
			}
			if err := vm.Run(); err != nil { // first run allocates the kept outputs
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := vm.Run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}
