package ops

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMaxPoolNaNAndTies: a NaN wins its window (as in PyTorch), and of
// equal maxima the first in row-major order takes the gradient.
func TestMaxPoolNaNAndTies(t *testing.T) {
	nan := math.NaN()
	x := []float64{
		1, nan, 5, 5,
		2, 3, 5, 5,
	}
	y, at := make([]float64, 2), make([]int32, 2)
	poolMax(poolGeom{planes: 1, h: 2, w: 4, k: 2}, x, y, at)
	require.True(t, math.IsNaN(y[0]), "NaN window gave %v", y[0])
	require.Equal(t, int32(1), at[0])
	require.Equal(t, 5.0, y[1])
	require.Equal(t, int32(2), at[1], "the first of the tied maxima")
	dx := make([]float64, 8)
	poolGrad(dx, []float64{3, 4}, at, 8, 2)
	require.Equal(t, []float64{0, 3, 4, 0, 0, 0, 0, 0}, dx)
}
