package graphs

import "math"

// Float32 transcendental functions for the float32 paths of the activation
// and BCE ops. Going through package math's Exp, Log1p and Tanh cost 20–40
// ns a value: a third of an MLP VAE step (BCE over 128×784 logits, forward
// and backward) and a fifth of an MLP GAN step (G's tanh output). These
// work in float64 with a short exponential and logarithm that need no
// special cases on the ranges used here, and round once at the end, so
// the float32 result is within 1 ulp of the exact one (the tests sweep
// each). Float64 graphs, which the gradient checks use, keep package math.

// expNeg returns eˣ for x ≤ 0 to about 1e-15 relative: x = k·ln2 + r with
// |r| ≤ ln2/2, a degree-11 Taylor polynomial for eʳ (its remainder
// r¹²/12! < 7e-15), and 2ᵏ built from its exponent bits. Below −700 it
// returns 0, far under float32's smallest number; NaN stays NaN.
func expNeg(x float64) float64 {
	if x < -700 {
		return 0
	}
	k := math.Floor(x*math.Log2E + 0.5)
	r := x - k*6.93147180369123816490e-01 - k*1.90821492927058770002e-10 // ln2 in two parts
	p := 1.0 / 39916800
	p = p*r + 1.0/3628800
	p = p*r + 1.0/362880
	p = p*r + 1.0/40320
	p = p*r + 1.0/5040
	p = p*r + 1.0/720
	p = p*r + 1.0/120
	p = p*r + 1.0/24
	p = p*r + 1.0/6
	p = p*r + 0.5
	p = p*r*r + r + 1
	if k != k { // NaN: the bit pattern below would be garbage
		return k
	}
	return p * math.Float64frombits(uint64(int64(k)+1023)<<52)
}

// log1pUnit returns ln(1+u) for u in [0, 1]: above √2−1 it uses
// ln(1+u) = ln2 + ln(1+v) with v = (u−1)/2, so that the argument of the
// series ln(1+v) = 2·atanh(s), s = v/(2+v), stays within |s| ≤ 0.172,
// where nine terms of 2(s + s³/3 + s⁵/5 + …) leave less than 1e-14.
func log1pUnit(u float64) float64 {
	var base float64
	if u > math.Sqrt2-1 {
		base, u = math.Ln2, (u-1)/2
	}
	s := u / (2 + u)
	z := s * s
	p := 1.0 / 17
	p = p*z + 1.0/15
	p = p*z + 1.0/13
	p = p*z + 1.0/11
	p = p*z + 1.0/9
	p = p*z + 1.0/7
	p = p*z + 1.0/5
	p = p*z + 1.0/3
	p = p*z + 1
	return base + 2*s*p
}

// tanh32 is tanh rounded to float32: (1−e)/(1+e) with e = e^(−2|x|) ≤ 1,
// which saturates to ±1 without overflow, and below |x| = 1/64, where
// 1−e would cancel, four terms of the Taylor series.
func tanh32(x float32) float32 {
	v := float64(x)
	a := math.Abs(v)
	if a < 1.0/64 {
		z := v * v
		return float32(v * (1 + z*(-1.0/3+z*(2.0/15+z*(-17.0/315)))))
	}
	e := expNeg(-2 * a)
	r := float32((1 - e) / (1 + e))
	if x < 0 {
		return -r
	}
	return r
}

// sigmoid32 is σ(x) rounded to float32; like sigmoid it only
// exponentiates non-positive numbers.
func sigmoid32(x float32) float32 {
	v := float64(x)
	if v >= 0 {
		return float32(1 / (1 + expNeg(-v)))
	}
	e := expNeg(v)
	return float32(e / (1 + e))
}

// bceValue32 and bceSlope32 are bceValue and bceSlope rounded to float32.
func bceValue32(x, t float32) float32 {
	v, tv := float64(x), float64(t)
	var lin float64
	switch {
	case v > 0 && tv != 1:
		lin = (1 - tv) * v
	case v <= 0 && tv != 0:
		lin = -tv * v
	}
	a := v
	if a > 0 {
		a = -a
	}
	return float32(lin + log1pUnit(expNeg(a)))
}

func bceSlope32(x, t float32) float32 {
	v, tv := float64(x), float64(t)
	if v >= 0 {
		e := expNeg(-v)
		return float32((1 - tv) - e/(1+e))
	}
	e := expNeg(v)
	return float32(e/(1+e) - tv)
}
