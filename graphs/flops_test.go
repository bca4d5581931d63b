package graphs

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
)

// TestFLOPs checks the products counted in small graphs against hand
// counts: 2·m·n·k per matrix product, and per convolution 2 · images ·
// output channels · output pixels · (input channels · k²) for the forward
// pass and for each gradient the graph computes. A fed input gets no
// gradient, so a first layer has no input-gradient product.
func TestFLOPs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name  string
		build func(b *Builder) (out *G.Node, ps Params)
		train bool
		want  int64
	}{
		{"linear forward", func(b *Builder) (*G.Node, Params) {
			l := NewLinear("l", 3, 5, rng)
			return l.Forward(b, b.Input("x", 4, 3)), l.Params()
		}, false, 2 * 4 * 5 * 3},
		{"linear trained: forward and weight gradient", func(b *Builder) (*G.Node, Params) {
			l := NewLinear("l", 3, 5, rng)
			return l.Forward(b, b.Input("x", 4, 3)), l.Params()
		}, true, 2 * (2 * 4 * 5 * 3)},
		{"conv then linear trained", func(b *Builder) (*G.Node, Params) {
			cv := NewConv2d("c", 2, 4, 3, 1, 1, rng) // [3, 2, 5, 5] → [3, 4, 5, 5]
			l := NewLinear("l", 100, 2, rng)
			h := cv.Forward(b, b.Input("x", 3, 2, 5, 5))
			return l.Forward(b, b.Reshape(h, 3, 100)), append(cv.Params(), l.Params()...)
		}, true, 2*(2*3*4*25*18) + 3*(2*3*2*100)},
		{"3×3 conv then 4×4 stride-2 conv trained", func(b *Builder) (*G.Node, Params) {
			c1 := NewConv2d("c1", 1, 3, 3, 1, 1, rng) // [2, 1, 8, 8] → [2, 3, 8, 8]
			c2 := NewConv2d("c2", 3, 4, 4, 2, 1, rng) // → [2, 4, 4, 4]
			h := c2.Forward(b, c1.Forward(b, b.Input("x", 2, 1, 8, 8)))
			return h, append(c1.Params(), c2.Params()...)
		}, true, 2*(2*2*3*64*9) + 3*(2*2*4*16*48)},
		{"batched product", func(b *Builder) (*G.Node, Params) {
			return b.BatchedMatMul(b.Input("a", 2, 4, 3), b.Input("b", 2, 4, 5), true, false), nil
		}, false, 2 * 2 * 3 * 5 * 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := NewBuilder()
			out, ps := c.build(b)
			if !c.train {
				vm, err := b.Compile()
				require.NoError(t, err)
				require.Equal(t, c.want, vm.FLOPs())
				return
			}
			tg, err := NewTrainGraph(b, b.Mean(b.Square(out)), ps)
			require.NoError(t, err)
			require.Equal(t, c.want, tg.FLOPs())
		})
	}
}
