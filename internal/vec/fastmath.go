package vec

import "math"

// Float32 transcendental functions for the float32 paths of graphs'
// activation and BCE ops. Going through package math's Exp, Log1p and
// Tanh cost 20–40 ns a value: a third of an MLP VAE step (BCE over 128×784 logits, forward
// and backward) and a fifth of an MLP GAN step (G's tanh output). These
// work in float64 with a short exponential and logarithm that need no
// special cases on the ranges used here, and round once at the end, so
// the float32 result is within 1 ulp of the exact one (the tests sweep
// each). Float64 graphs, which the gradient checks use, keep package math.
// The slice functions below also have AVX2 versions (fastmath_amd64.s)
// that run the same float64 operations four values at a time, bit for bit
// as the Go code does.

// Tanh sets dst[i] = tanh(x[i]); x must be at least as long as dst.
func Tanh(dst, x []float32) { apply(dst, x, tanhAVX2, tanh32) }

// Sigmoid sets dst[i] = σ(x[i]) = 1/(1+e^(−x[i])); x must be at least as
// long as dst.
func Sigmoid(dst, x []float32) { apply(dst, x, sigmoidAVX2, sigmoid32) }

// SiLU sets sig[i] = σ(x[i]), as Sigmoid does, and dst[i] = x[i]·sig[i]
// (rounded from float32 operands), 0 where sig[i] is 0, which x = −∞
// would make −∞·0; x and sig must be at least as long as dst, and sig
// may be dst (which then holds the activation). One pass gives the SiLU
// activation and the σ its gradient needs.
func SiLU(dst, sig, x []float32) {
	x, sig = x[:len(dst)], sig[:len(dst)]
	n := 0
	if useAVX2 {
		n = len(dst) &^ 3
		if n > 0 {
			siluAVX2(n, &dst[0], &sig[0], &x[0])
		}
	}
	for i := n; i < len(dst); i++ {
		y, s := silu32(x[i])
		sig[i], dst[i] = s, y
	}
}

// silu32 returns x·σ(x) and σ(x), σ rounded to float32 first.
func silu32(x float32) (y, sig float32) {
	sig = sigmoid32(x)
	if sig != 0 {
		y = x * sig
	}
	return y, sig
}

// apply sets dst[i] = f(x[i]): the first values in multiples of four
// through the assembly version fAVX2 where there is one, the rest in Go.
func apply(dst, x []float32, fAVX2 func(n int, dst, x *float32), f func(float32) float32) {
	x = x[:len(dst)]
	n := 0
	if useAVX2 {
		n = len(dst) &^ 3
		if n > 0 {
			fAVX2(n, &dst[0], &x[0])
		}
	}
	for i := n; i < len(dst); i++ {
		dst[i] = f(x[i])
	}
}

// BCEWithLogits sets value[i] to the binary cross-entropy of the logit
// x[i] against the target t[i], −t·log σ(x) − (1−t)·log(1−σ(x)), and, when
// slope is not nil, slope[i] to its derivative in x, σ(x[i]) − t[i]. With t
// nil every target is target. x, t and slope must be at least as long as
// value. Computing both in one pass shares the exponential: a training
// step's backward pass then only multiplies the slope by the upstream
// gradient.
func BCEWithLogits(value, slope, x, t []float32, target float32) {
	x = x[:len(value)]
	if t != nil {
		t = t[:len(value)]
	}
	if slope != nil {
		slope = slope[:len(value)]
	}
	n := 0
	if useAVX2 {
		n = len(value) &^ 3
		if n > 0 {
			var sp, tp *float32
			if slope != nil {
				sp = &slope[0]
			}
			if t != nil {
				tp = &t[0]
			}
			bceAVX2(n, &value[0], sp, &x[0], tp, target)
		}
	}
	for i := n; i < len(value); i++ {
		tv := target
		if t != nil {
			tv = t[i]
		}
		v, s := bce32(x[i], tv)
		value[i] = v
		if slope != nil {
			slope[i] = s
		}
	}
}

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

// bce32 returns the binary cross-entropy of logit x against target t,
// max(x, 0) − t·x + log1p(e^(−|x|)), and its slope σ(x) − t, both rounded
// to float32 from float64 values that share one exponential. The linear
// part is written (1−t)·x or −t·x by the sign of x and left out when its
// factor is 0, so that a target of exactly 1 or 0 gives 0 there even for
// x = ±∞ (not ∞ − ∞). For x ≥ 0 the slope is written (1−t) − σ(−x), so
// the small gradient of a confident right answer (t = 1, large x) is σ(−x)
// to full precision and not 1 − 1 = 0.
func bce32(x, t float32) (value, slope float32) {
	v, tv := float64(x), float64(t)
	a := v
	if a > 0 {
		a = -a
	}
	e := expNeg(a)
	var lin float64
	switch {
	case v > 0 && tv != 1:
		lin = (1 - tv) * v
	case v <= 0 && tv != 0:
		lin = -tv * v
	}
	value = float32(lin + log1pUnit(e))
	q := e / (1 + e)
	if v >= 0 {
		return value, float32((1 - tv) - q)
	}
	return value, float32(q - tv)
}
