package graphs

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
)

// TestStackRowsAndRowsGradients: the stacked pass must differentiate like
// the two separate ones — each input's rows weighted differently after the
// stack so that a mix-up of the row ranges shows.
func TestStackRowsAndRowsGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	l := NewLinear("l", 4, 3, rng)
	params := l.Params().ToFloat64()
	ll := &Linear{Weight: params[0], Bias: params[1]}
	require.NoError(t, GradCheck(params, func(b *Builder) *G.Node {
		x := b.Input("x", 2, 4)
		y := b.Input("y", 3, 4)
		fillInput(t, x, rand.New(rand.NewPCG(1, 2)), 1)
		fillInput(t, y, rand.New(rand.NewPCG(3, 4)), 1)
		// tanh(W·[W·x; y]) so that the gradient also flows back through
		// the stack into a parameterised input.
		h := b.Tanh(ll.Forward(b, b.StackRows(b.Tanh(b.MatMul(ll.Forward(b, x), b.Param(ll.Weight), false, false)), y)))
		first, second := b.Rows(h, 0, 2), b.Rows(h, 2, 5)
		return b.Add(b.Sum(b.Square(first)), b.Mean(second))
	}, 0, 1e-5))
}

func TestStackRowsValues(t *testing.T) {
	b := NewBuilder()
	x := b.Input("x", 2, 3)
	y := b.Input("y", 1, 3)
	copy(Value(x).Data().([]float32), []float32{1, 2, 3, 4, 5, 6})
	copy(Value(y).Data().([]float32), []float32{7, 8, 9})
	s := b.StackRows(x, y)
	require.Equal(t, []int{3, 3}, []int(s.Shape()))
	all, mid := b.Keep(s), b.Keep(b.Rows(s, 1, 2))
	m, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, m.Run())
	require.Equal(t, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, all.Float32s())
	require.Equal(t, []float32{4, 5, 6}, mid.Float32s())
}

func TestRowsErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(b *Builder)
	}{
		{"stack of different widths", func(b *Builder) { b.StackRows(b.Input("a", 2, 3), b.Input("b", 2, 4)) }},
		{"stack of nothing", func(b *Builder) { b.StackRows() }},
		{"rows past the end", func(b *Builder) { b.Rows(b.Input("a", 2, 3), 1, 3) }},
		{"empty rows", func(b *Builder) { b.Rows(b.Input("a", 2, 3), 1, 1) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := NewBuilder()
			c.build(b)
			require.Error(t, b.Err())
		})
	}
}
