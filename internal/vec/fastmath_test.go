package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ulps is |got − want| in units of the float32 spacing at want.
func ulps(got float32, want float64) float64 {
	w := float32(want)
	if w == 0 {
		if got == 0 {
			return 0
		}
		return math.Inf(1)
	}
	a := float32(math.Abs(float64(w)))
	spacing := float64(math.Nextafter32(a, float32(math.Inf(1))) - a)
	return math.Abs(float64(got)-want) / spacing
}

// sweep returns n+1 values evenly from lo to hi, plus values spread
// geometrically from 1e-30 to 1 (both signs) for the small-argument paths.
func sweep(lo, hi float64, n int) []float32 {
	var xs []float32
	for i := 0; i <= n; i++ {
		xs = append(xs, float32(lo+(hi-lo)*float64(i)/float64(n)))
	}
	for e := -30.0; e <= 0; e += 0.01 {
		v := float32(math.Pow(10, e))
		if float64(v) >= lo && float64(v) <= hi {
			xs = append(xs, v)
		}
		if float64(-v) >= lo && float64(-v) <= hi {
			xs = append(xs, -v)
		}
	}
	return xs
}

// TestFastMath compares each float32 function with its float64 reference
// over its range and bounds the worst error in ulps.
func TestFastMath(t *testing.T) {
	cases := []struct {
		name    string
		f       func(float32) float32
		ref     func(float64) float64
		xs      []float32
		maxUlps float64
	}{
		{"log1pUnit", func(u float32) float32 { return float32(log1pUnit(float64(u))) }, math.Log1p, sweep(0, 1, 2_000_000), 1},
		{"expNeg", func(x float32) float32 { return float32(expNeg(float64(x))) }, math.Exp, sweep(-103, 0, 2_000_000), 1},
		{"tanh32", tanh32, math.Tanh, sweep(-20, 20, 2_000_000), 1},
		{"sigmoid32", sigmoid32, sigmoid64, sweep(-103, 103, 2_000_000), 1},
	}
	for _, c := range cases {
		var worst float64
		var at float32
		for _, x := range c.xs {
			if u := ulps(c.f(x), c.ref(float64(x))); u > worst {
				worst, at = u, x
			}
		}
		t.Logf("%s: worst %.2f ulp at %g", c.name, worst, at)
		assert.LessOrEqual(t, worst, c.maxUlps, "%s: worst ulps at x = %g (f = %g, want %g)", c.name, at, c.f(at), c.ref(float64(at)))
	}
}

// TestFastMathEdges pins the values the ops rely on at the ends.
func TestFastMathEdges(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, c := range []struct {
		name      string
		got, want float32
	}{
		{"tanh32(+Inf)", tanh32(inf), 1},
		{"tanh32(-Inf)", tanh32(-inf), -1},
		{"tanh32(0)", tanh32(0), 0},
		{"sigmoid32(+Inf)", sigmoid32(inf), 1},
		{"sigmoid32(-Inf)", sigmoid32(-inf), 0},
		{"log1pUnit(0)", float32(log1pUnit(0)), 0},
		{"log1pUnit(1)", float32(log1pUnit(1)), float32(math.Ln2)},
		{"expNeg(0)", float32(expNeg(0)), 1},
		{"expNeg(-Inf)", float32(expNeg(math.Inf(-1))), 0},
		{"BCE value (+Inf, 1)", bceAt(t, inf, 1, 0), 0},
		{"BCE value (-Inf, 0)", bceAt(t, -inf, 0, 0), 0},
		{"BCE slope (+Inf, 1)", bceAt(t, inf, 1, 1), 0},
		{"BCE slope (-Inf, 0)", bceAt(t, -inf, 0, 1), 0},
		{"BCE value (-Inf, 1)", bceAt(t, -inf, 1, 0), inf},
		{"BCE slope (-Inf, 1)", bceAt(t, -inf, 1, 1), -1},
		{"BCE value (0, 0.25)", bceAt(t, 0, 0.25, 0), float32(math.Ln2)},
		{"BCE slope (0, 0.25)", bceAt(t, 0, 0.25, 1), 0.25},
	} {
		assert.Equal(t, c.want, c.got, c.name)
	}
	for name, v := range map[string]float32{
		"tanh32(NaN)": tanh32(nan), "expNeg(NaN)": float32(expNeg(math.NaN())), "sigmoid32(NaN)": sigmoid32(nan),
		"BCE value (NaN, 1)": bceAt(t, nan, 1, 0), "BCE slope (NaN, 1)": bceAt(t, nan, 1, 1),
		"BCE value (0, NaN)": bceAt(t, 0, nan, 0), "BCE slope (1, NaN)": bceAt(t, 1, nan, 1),
	} {
		assert.True(t, v != v, "%s = %v, want NaN", name, v)
	}
}

// bceAt returns BCEWithLogits' value (which 0) or slope (1) at x for the
// target tv, computed both with tv fed and as the constant target, in a
// vector long enough for the assembly; the two must agree.
func bceAt(t *testing.T, x, tv float32, which int) float32 {
	t.Helper()
	xs := []float32{x, x, x, x}
	fed := [2][]float32{make([]float32, 4), make([]float32, 4)}
	con := [2][]float32{make([]float32, 4), make([]float32, 4)}
	BCEWithLogits(fed[0], fed[1], xs, []float32{tv, tv, tv, tv}, 0)
	BCEWithLogits(con[0], con[1], xs, nil, tv)
	got, want := fed[which][0], con[which][0]
	assert.True(t, same(got, want), "BCE at x %v, target %v: %v with the target fed, %v as a constant", x, tv, got, want)
	return fed[which][0]
}

// sigmoid64 never exponentiates a positive number, so it cannot overflow.
func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// bce64 is BCE's value and slope in float64 through package math, the
// reference for the float32 ones.
func bce64(x, t float64) (value, slope float64) {
	var lin float64
	switch {
	case x > 0 && t != 1:
		lin = (1 - t) * x
	case x <= 0 && t != 0:
		lin = -t * x
	}
	value = lin + math.Log1p(math.Exp(-math.Abs(x)))
	if x >= 0 {
		e := math.Exp(-x)
		return value, (1 - t) - e/(1+e)
	}
	e := math.Exp(x)
	return value, e/(1+e) - t
}

// TestBCE32 compares the float32 BCE value and slope with the float64 ones
// for targets 0, 1 and in between. The slope (1−t) − σ(−x) cancels near
// its zero, so its error is bounded against the size of its terms.
func TestBCE32(t *testing.T) {
	xs := sweep(-60, 60, 400_000)
	value, slope := make([]float32, len(xs)), make([]float32, len(xs))
	for _, target := range []float32{0, 1, 0.3, 0.9} {
		BCEWithLogits(value, slope, xs, nil, target)
		var worstV, worstS float64
		for i, x := range xs {
			wantV, wantS := bce64(float64(x), float64(target))
			worstV = math.Max(worstV, ulps(value[i], wantV))
			scale := math.Abs(1-float64(target)) + float64(target) + math.Abs(wantS)
			worstS = math.Max(worstS, math.Abs(float64(slope[i])-wantS)/scale)
		}
		t.Logf("target %v: value %.2f ulp, slope %.3g relative to its terms", target, worstV, worstS)
		assert.False(t, worstV > 1, "target %v: value off by %.2f ulp, want ≤ 1", target, worstV)
		assert.False(t, worstS > 1e-7, "target %v: slope off by %.3g relative to its terms, want ≤ 1e-7", target, worstS)
	}
}

// TestBCEMatchesGo checks that BCEWithLogits gives bce32's bits for every
// element, whether the assembly or the Go tail computed it: lengths that
// leave every remainder, fed and constant targets, with and without the
// slope, over logits that reach every branch (both signs, both halves of
// log1pUnit's range, beyond −700 after scaling, ±Inf and NaN).
func TestBCEMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.88, -0.88, 30, -30, 1e-30, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32}
	for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 17, 1000, 4099} {
		x, tt := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * math.Pow(10, rng.Float64()*3-1))
			if i < len(special) && n > 8 {
				x[i] = special[i]
			}
			tt[i] = []float32{0, 1, rng.Float32()}[i%3]
		}
		for _, withSlope := range []bool{true, false} {
			for _, fed := range []bool{true, false} {
				value := make([]float32, n)
				var slope []float32
				if withSlope {
					slope = make([]float32, n)
				}
				targets, target := tt, float32(0.3)
				if !fed {
					targets = nil
				}
				BCEWithLogits(value, slope, x, targets, target)
				for i := range x {
					tv := target
					if fed {
						tv = tt[i]
					}
					wantV, wantS := bce32(x[i], tv)
					if !same(value[i], wantV) || (withSlope && !same(slope[i], wantS)) {
						require.Failf(t, "bits differ from Go's", "n %d fed %v: x %g t %g: got (%g, %v), Go gives (%g, %g)", n, fed, x[i], tv, value[i], slopeAt(slope, i), wantV, wantS)
					}
				}
			}
		}
	}
}

// same reports whether a and b have the same bits, or are both NaN.
func same(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

func slopeAt(s []float32, i int) any {
	if s == nil {
		return "-"
	}
	return s[i]
}

func BenchmarkFastMath(b *testing.B) {
	xs := sweep(-8, 8, 100_351)[:100_352]
	dst := make([]float32, len(xs))
	for _, c := range []struct {
		name string
		f    func(float32) float32
	}{
		{"tanh32", tanh32},
		{"tanh64", func(x float32) float32 { return float32(math.Tanh(float64(x))) }},
		{"bce32", func(x float32) float32 { v, _ := bce32(x, 0.3); return v }},
		{"bce64", func(x float32) float32 { v, _ := bce64(float64(x), 0.3); return float32(v) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				for i, x := range xs {
					dst[i] = c.f(x)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(xs)), "ns/value")
		})
	}
}

// BenchmarkBCEWithLogits is the VAE's BCE over one batch (128×784),
// value and slope, through the assembly where there is one.
func BenchmarkBCEWithLogits(b *testing.B) {
	xs := sweep(-8, 8, 100_351)[:100_352]
	ts := make([]float32, len(xs))
	for i := range ts {
		ts[i] = float32(i%7) / 6
	}
	value, slope := make([]float32, len(xs)), make([]float32, len(xs))
	for b.Loop() {
		BCEWithLogits(value, slope, xs, ts, 0)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(xs)), "ns/value")
}

// TestTanhSigmoidMatchGo checks that Tanh and Sigmoid give tanh32's and
// sigmoid32's bits for every element, whether the assembly or the Go tail
// computed it, over lengths that leave every remainder and values that
// reach every branch (tanh's Taylor range, both signs, saturation, ±Inf,
// NaN).
func TestTanhSigmoidMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	special := []float32{0, float32(math.Copysign(0, -1)), 1.0 / 64, -1.0 / 64, 0.0156, -0.0156, 1e-30, -1e-30, 20, -20, 400, -400, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 17, 1000, 4099} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * math.Pow(10, rng.Float64()*4-3))
			if i < len(special) && n > 8 {
				x[i] = special[i]
			}
		}
		for _, f := range []struct {
			name   string
			slice  func(dst, x []float32)
			scalar func(float32) float32
		}{{"Tanh", Tanh, tanh32}, {"Sigmoid", Sigmoid, sigmoid32}} {
			dst := make([]float32, n)
			f.slice(dst, x)
			for i, v := range x {
				if want := f.scalar(v); !same(dst[i], want) {
					require.Failf(t, "bits differ from Go's", "%s, n %d: x %g: got %g, Go gives %g", f.name, n, v, dst[i], want)
				}
			}
		}
	}
}

// TestSiLUMatchesGo checks that SiLU gives silu32's bits for the
// activation and σ, whether the assembly or the Go tail computed them,
// that σ is Sigmoid's, and that the activation is within float32
// round-off of x·σ(x) in float64, with the limits 0 at −∞ and ∞ at ∞.
func TestSiLUMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, -1.2785, 20, -20, -89, -104, 400, -400, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 9, 17, 33, 1000, 4099} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * math.Pow(10, rng.Float64()*3-2))
			if i < len(special) && n > 8 {
				x[i] = special[i]
			}
		}
		y, sig, wantSig := make([]float32, n), make([]float32, n), make([]float32, n)
		SiLU(y, sig, x)
		Sigmoid(wantSig, x)
		alone := make([]float32, n) // σ's place is the output's
		SiLU(alone, alone, x)
		for i := range x {
			require.True(t, same(alone[i], y[i]), "n %d: with sig = dst, SiLU(%g) = %g, want %g", n, x[i], alone[i], y[i])
		}
		for i, v := range x {
			wy, ws := silu32(v)
			if !same(y[i], wy) || !same(sig[i], ws) || !same(sig[i], wantSig[i]) {
				require.Failf(t, "bits differ from Go's", "n %d: x %g: got %g and σ %g, Go gives %g and σ %g (Sigmoid %g)", n, v, y[i], sig[i], wy, ws, wantSig[i])
			}
			want := float64(v) * sigmoid64(float64(v))
			switch {
			case math.IsInf(float64(v), -1):
				want = 0
			case v != v:
				require.True(t, y[i] != y[i], "SiLU(NaN) = %g", y[i])
				continue
			}
			require.InDelta(t, want, float64(y[i]), 2.5e-7*math.Abs(want)+1e-40, "SiLU(%g)", v) // σ underflows to 0 below about −103
		}
	}
}

// BenchmarkTanh is a GAN generator's output activation over one batch
// (64×784, twice), through the assembly where there is one.
func BenchmarkTanh(b *testing.B) {
	xs := sweep(-8, 8, 100_351)[:100_352]
	dst := make([]float32, len(xs))
	for b.Loop() {
		Tanh(dst, xs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(xs)), "ns/value")
}
