package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestResample2MatchesAny checks the scale-2 loops against the general
// ones, both directions, and the split over the cores against one piece,
// on planes large enough to be split.
func TestResample2MatchesAny(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	const planes, h, w = 300, 14, 10
	x := make([]float32, planes*h*w)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for _, sum := range []bool{false, true} {
		n := planes * h * w * 4
		if sum {
			n = planes * h * w / 4
		}
		want, got, split := make([]float32, n), make([]float32, n), make([]float32, n)
		resampleAny(x, want, planes, h, w, 2, sum)
		resample2(x, got, planes, h, w, sum)
		resamplePlanes(x, split, planes, h, w, 2, sum)
		require.Equal(t, want, got, "sum %v", sum)
		require.Equal(t, want, split, "sum %v, split over the cores", sum)
	}
}
