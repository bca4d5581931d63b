package ops

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestActGradLinear32 compares the branch-free float32 ReLU and LeakyReLU
// gradient with the float64 loop on the values where they could part:
// both zeros, infinities and non-finite upstream gradients.
func TestActGradLinear32(t *testing.T) {
	inf := math.Inf(1)
	ys := []float64{-1, math.Copysign(0, -1), 0, 1, 1e-40, -1e-40, -inf, inf}
	dys := []float64{2, -3, inf, -inf, math.NaN()}
	for _, slope := range []float64{0, 0.2} {
		for _, y := range ys {
			for _, dy := range dys {
				want := make([]float64, 1)
				actGradLinear(want, []float64{y}, []float64{dy}, slope)
				got := make([]float32, 1)
				actGradLinear32(got, []float32{float32(y)}, []float32{float32(dy)}, float32(slope))
				w := float32(want[0])
				if got[0] != got[0] && w != w {
					continue // both NaN: the payloads may differ
				}
				assert.Equal(t, math.Float32bits(w), math.Float32bits(got[0]), "slope %v, y %v, dy %v: got %v, want %v", slope, y, dy, got[0], w)
			}
		}
	}
}
