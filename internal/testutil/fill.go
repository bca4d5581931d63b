package testutil

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// FillNormal fills the tensor behind the input n (float32 or float64)
// with draws from N(0, scale²).
func FillNormal(t testing.TB, n *G.Node, rng *rand.Rand, scale float64) {
	t.Helper()
	switch d := graphs.Value(n).Data().(type) {
	case []float64:
		for i := range d {
			d[i] = rng.NormFloat64() * scale
		}
	case []float32:
		for i := range d {
			d[i] = float32(rng.NormFloat64() * scale)
		}
	default:
		t.Fatalf("input %s holds %T, not float data", n.Name(), d)
	}
}
