package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGroupNormSums compares the sums over four accumulators with
// one-accumulator loops on lengths around multiples of four.
func TestGroupNormSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 9, 33, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			x, dy := make([]float32, n), make([]float32, n+2) // x longer: only dy's length counts
			for i := range x {
				x[i] = float32(rng.NormFloat64()*3 + 10)
			}
			for i := range dy {
				dy[i] = float32(rng.NormFloat64())
			}
			dy = dy[:n]
			const m = 9.5
			var s, ss, sd float64
			for i, v := range x {
				s += float64(v)
				ss += (float64(v) - m) * (float64(v) - m)
				sd += float64(dy[i]) * (float64(v) - m)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{
				{"sum", sum(x), s},
				{"sumSquaredDev", sumSquaredDev(x, m), ss},
				{"sumDyDev", sumDyDev(dy, x, m), sd},
			} {
				if math.Abs(c.got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
					t.Errorf("%s of %d values = %v, want %v", c.name, n, c.got, c.want)
				}
			}
		})
	}
}
