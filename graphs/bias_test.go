package graphs_test

import (
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/stretchr/testify/require"
)

func TestAddBiasShapeErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		x, bias []int
	}{
		{"bias too long", []int{2, 3}, []int{4}},
		{"x not a matrix", []int{2, 3, 4}, []int{4}},
		{"bias not a vector", []int{2, 3}, []int{1, 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := graphs.NewBuilder()
			b.AddBias(b.Input("x", c.x...), b.Input("bias", c.bias...))
			require.ErrorContains(t, b.Err(), "bias")
		})
	}
}
