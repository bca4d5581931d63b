package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAffine checks Affine and AffineCentred against their Go values bit
// for bit, whether the assembly or the Go tail computed an element, and
// against the float64 formula within float32 round-off, on lengths that
// leave every remainder and inputs with a mean large next to their spread.
func TestAffine(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 9, 33, 1001} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			u, x := make([]float32, n+1), make([]float32, n+1) // one more: only dst's length counts
			for i := range x {
				u[i] = float32(rng.NormFloat64())
				x[i] = float32(100 + rng.NormFloat64()*0.01)
			}
			const a, m, b, c = 0.7, 100.001, -3.25, 0.125
			dst, centred := make([]float32, n), make([]float32, n)
			Affine(dst, x, a, -m*a)
			AffineCentred(centred, u, x, a, m, b, c)
			for i := range n {
				sameBits(t, "Affine", dst[i:i+1], []float32{affine(x[i], a, -m*a)})
				sameBits(t, "AffineCentred", centred[i:i+1], []float32{affineCentred(u[i], x[i], a, m, b, c)})
				want := (float64(x[i]) - m) * a
				require.InDelta(t, want, float64(dst[i]), 1e-6*math.Max(math.Abs(want), 1e-3), "Affine at %d", i)
				want = float64(u[i])*a + (float64(x[i])-m)*b + c
				require.InDelta(t, want, float64(centred[i]), 1e-6*math.Max(math.Abs(want), 1e-3), "AffineCentred at %d", i)
			}
		})
	}
}
