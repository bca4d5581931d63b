package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// lengths covers the empty slice, every tail length around the vector
// widths, and one long slice.
var lengths = func() []int {
	var ns []int
	for n := 0; n <= 40; n++ {
		ns = append(ns, n)
	}
	return append(ns, 1000, 4099)
}()

func randomSlice(rng *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64() * scale * math.Exp(2*rng.NormFloat64()))
	}
	return s
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		// A plain comparison, not an assertion per element: the slices
		// are long and compared many times.
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			require.Failf(t, "bits differ", "%s[%d] = %v, want %v (len %d)", what, i, got[i], want[i], len(want))
		}
	}
}

// TestAdamMatchesGo checks the dispatching Adam (assembly where the CPU has
// it) against the Go loop bit for bit, over several steps so that the
// moments carry over.
func TestAdamMatchesGo(t *testing.T) {
	t.Logf("assembly: %v", useAVX2)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range lengths {
		p := randomSlice(rng, n, 0.1)
		m, v := make([]float32, n), make([]float32, n)
		p2, m2, v2 := append([]float32(nil), p...), make([]float32, n), make([]float32, n)
		for step := 1; step <= 3; step++ {
			g := randomSlice(rng, n, 1e-2)
			stepSize := float32(2e-4 / (1 - math.Pow(0.5, float64(step))))
			sqrtBias2 := float32(math.Sqrt(1 - math.Pow(0.999, float64(step))))
			Adam(p, g, m, v, 0.5, 0.999, stepSize, sqrtBias2, 1e-8)
			adamGo(p2, g, m2, v2, 0.5, 0.999, stepSize, sqrtBias2, 1e-8)
		}
		sameBits(t, "p", p, p2)
		sameBits(t, "m", m, m2)
		sameBits(t, "v", v, v2)
	}
}

// TestAdamMath checks the Go loop against Adam's update computed in
// float64, so that the two bit-identical versions are also right.
func TestAdamMath(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 257
	p, g := randomSlice(rng, n, 1), randomSlice(rng, n, 1)
	m, v := randomSlice(rng, n, 1e-2), randomSlice(rng, n, 1e-3)
	for i := range v {
		v[i] = float32(math.Abs(float64(v[i])))
	}
	want := make([]float64, n)
	for j := range p {
		mj := 0.9*float64(m[j]) + 0.1*float64(g[j])
		vj := 0.99*float64(v[j]) + 0.01*float64(g[j])*float64(g[j])
		want[j] = float64(p[j]) - 0.01*mj/(math.Sqrt(vj)/0.5+1e-8)
	}
	adamGo(p, g, m, v, 0.9, 0.99, 0.01, 0.5, 1e-8)
	for j := range p {
		require.InDelta(t, want[j], float64(p[j]), 1e-6*math.Max(1, math.Abs(want[j])), "p[%d]", j)
	}
}

func TestFirstNonFinite(t *testing.T) {
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, n := range lengths {
		d := make([]float32, n)
		for i := range d {
			d[i] = float32(i) - 3.5
		}
		require.Equal(t, -1, FirstNonFinite(d), "len %d, all finite", n)
		for i := 0; i < n; i++ {
			for _, b := range bad {
				saved := d[i]
				d[i] = b
				if n > i+1 {
					d[n-1] = b // a later one must not be reported first
				}
				require.Equal(t, i, FirstNonFinite(d), "len %d, %v at %d", n, b, i)
				d[i] = saved
				d[n-1] = float32(n-1) - 3.5
			}
		}
	}
	require.Equal(t, -1, FirstNonFinite([]float32{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32}), "extreme finite values")
}

func TestLerpMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range lengths {
		avg, x := randomSlice(rng, n, 1), randomSlice(rng, n, 1)
		avg2 := append([]float32(nil), avg...)
		Lerp(avg, x, 0.999)
		lerpGo(avg2, x, 0.999)
		sameBits(t, "avg", avg, avg2)
	}
	avg := []float32{1, 2, 3}
	Lerp(avg, []float32{3, 2, 1}, 0.75)
	require.Equal(t, []float32{1.5, 2, 2.5}, avg, "Lerp 0.75")
}

func BenchmarkAdam(b *testing.B) {
	for _, impl := range []struct {
		name string
		f    func(p, g, m, v []float32, b1, b2, stepSize, sqrtBias2, eps float32)
	}{{"dispatch", Adam}, {"go", adamGo}} {
		b.Run(impl.name, func(b *testing.B) {
			n := 526_000 // the MLP GAN's parameters
			p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range g {
				g[i] = float32(i%7) * 1e-3
			}
			b.SetBytes(int64(n) * 4)
			for b.Loop() {
				impl.f(p, g, m, v, 0.5, 0.999, 2e-4, 0.03, 1e-8)
			}
		})
	}
}

func BenchmarkFirstNonFinite(b *testing.B) {
	d := make([]float32, 526_000)
	b.SetBytes(int64(len(d)) * 4)
	for b.Loop() {
		if FirstNonFinite(d) != -1 {
			b.Fatal("finite data reported non-finite")
		}
	}
}
