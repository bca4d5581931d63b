package graphs_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
)

// TestStackRowsAndRowsGradients: the stacked pass must differentiate like
// the two separate ones — each input's rows weighted differently after the
// stack so that a mix-up of the row ranges shows.
func TestStackRowsAndRowsGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	l := graphs.NewLinear("l", 4, 3, rng)
	params := l.Params().ToFloat64()
	ll := &graphs.Linear{Weight: params[0], Bias: params[1]}
	require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
		x := b.Input("x", 2, 4)
		y := b.Input("y", 3, 4)
		testutil.FillNormal(t, x, rand.New(rand.NewPCG(1, 2)), 1)
		testutil.FillNormal(t, y, rand.New(rand.NewPCG(3, 4)), 1)
		// tanh(W·[W·x; y]) so that the gradient also flows back through
		// the stack into a parameterised input.
		h := b.Tanh(ll.Forward(b, b.StackRows(b.Tanh(b.MatMul(ll.Forward(b, x), b.Param(ll.Weight), false, false)), y)))
		first, second := b.Rows(h, 0, 2), b.Rows(h, 2, 5)
		return b.Add(b.Sum(b.Square(first)), b.Mean(second))
	}, 0, 1e-5))
}

func TestStackRowsValues(t *testing.T) {
	b := graphs.NewBuilder()
	x := b.Input("x", 2, 3)
	y := b.Input("y", 1, 3)
	copy(graphs.Value(x).Data().([]float32), []float32{1, 2, 3, 4, 5, 6})
	copy(graphs.Value(y).Data().([]float32), []float32{7, 8, 9})
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
		build func(b *graphs.Builder)
	}{
		{"stack of different widths", func(b *graphs.Builder) { b.StackRows(b.Input("a", 2, 3), b.Input("b", 2, 4)) }},
		{"stack of nothing", func(b *graphs.Builder) { b.StackRows() }},
		{"rows past the end", func(b *graphs.Builder) { b.Rows(b.Input("a", 2, 3), 1, 3) }},
		{"empty rows", func(b *graphs.Builder) { b.Rows(b.Input("a", 2, 3), 1, 1) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := graphs.NewBuilder()
			c.build(b)
			require.Error(t, b.Err())
		})
	}
}
