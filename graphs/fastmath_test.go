package graphs

import (
	"math"
	"testing"
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
		{"sigmoid32", sigmoid32, sigmoid, sweep(-103, 103, 2_000_000), 1},
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
		if worst > c.maxUlps {
			t.Errorf("%s: %.2f ulp at x = %g (f = %g, want %g), want ≤ %g", c.name, worst, at, c.f(at), c.ref(float64(at)), c.maxUlps)
		}
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
		{"bceValue32(+Inf, 1)", bceValue32(inf, 1), 0},
		{"bceValue32(-Inf, 0)", bceValue32(-inf, 0), 0},
		{"bceSlope32(+Inf, 1)", bceSlope32(inf, 1), 0},
		{"bceSlope32(-Inf, 0)", bceSlope32(-inf, 0), 0},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	for name, v := range map[string]float32{
		"tanh32(NaN)": tanh32(nan), "expNeg(NaN)": float32(expNeg(math.NaN())), "sigmoid32(NaN)": sigmoid32(nan),
		"bceValue32(NaN, 1)": bceValue32(nan, 1), "bceSlope32(NaN, 1)": bceSlope32(nan, 1),
	} {
		if v == v {
			t.Errorf("%s = %v, want NaN", name, v)
		}
	}
}

// TestBCE32 compares the float32 BCE value and slope with the float64 ones
// for targets 0, 1 and in between. The slope (1−t) − σ(−x) cancels near
// its zero, so its error is bounded against the size of its terms.
func TestBCE32(t *testing.T) {
	for _, target := range []float32{0, 1, 0.3, 0.9} {
		var worstV, worstS float64
		for _, x := range sweep(-60, 60, 400_000) {
			worstV = math.Max(worstV, ulps(bceValue32(x, target), bceValue(float64(x), float64(target))))
			want := bceSlope(float64(x), float64(target))
			scale := math.Abs(1-float64(target)) + float64(target) + math.Abs(want)
			worstS = math.Max(worstS, math.Abs(float64(bceSlope32(x, target))-want)/scale)
		}
		t.Logf("target %v: value %.2f ulp, slope %.3g relative to its terms", target, worstV, worstS)
		if worstV > 1 || worstS > 1e-7 {
			t.Errorf("target %v: value off by %.2f ulp (want ≤ 1), slope by %.3g (want ≤ 1e-7)", target, worstV, worstS)
		}
	}
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
		{"bceValue32", func(x float32) float32 { return bceValue32(x, 0.3) }},
		{"bceValue64", func(x float32) float32 { return float32(bceValue(float64(x), 0.3)) }},
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
