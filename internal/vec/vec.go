package vec

import "math"

// Adam applies one Adam step to the parameters p in place, given their
// gradients g and the running moments m and v (updated in place):
//
//	m ← b1·m + (1−b1)·g
//	v ← b2·v + (1−b2)·g²
//	p ← p − stepSize·m / (√v / sqrtBias2 + eps)
//
// stepSize is the learning rate over 1−b1ᵗ and sqrtBias2 is √(1−b2ᵗ), the
// bias corrections of step t. g, m and v must be at least as long as p.
func Adam(p, g, m, v []float32, b1, b2, stepSize, sqrtBias2, eps float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	n := 0
	if useAVX2 {
		n = len(p) &^ 7
		if n > 0 {
			k := [7]float32{b1, 1 - b1, b2, 1 - b2, stepSize, sqrtBias2, eps}
			adamAVX2(n, &p[0], &g[0], &m[0], &v[0], &k)
		}
	}
	adamGo(p[n:], g[n:], m[n:], v[n:], b1, b2, stepSize, sqrtBias2, eps)
}

// adamGo is Adam in Go. The explicit float32 conversions round every
// product, so that no compiler fuses a multiply and an add and the result
// matches the assembly bit for bit.
func adamGo(p, g, m, v []float32, b1, b2, stepSize, sqrtBias2, eps float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for j, gj := range g {
		mj := float32(b1*m[j]) + float32((1-b1)*gj)
		vj := float32(b2*v[j]) + float32((1-b2)*gj*gj)
		m[j], v[j] = mj, vj
		p[j] -= float32(stepSize*mj) / (float32(math.Sqrt(float64(vj)))/sqrtBias2 + eps)
	}
}

// FirstNonFinite returns the index of the first NaN or ±Inf in d, or -1.
// x·0 is 0 for every finite x and NaN otherwise, so one branch-free pass
// over the data tells whether there is anything to look for.
func FirstNonFinite(d []float32) int {
	n := 0
	bad := false
	if useAVX2 {
		n = len(d) &^ 15
		if n > 0 {
			bad = nonFiniteAVX2(n, &d[0])
		}
	}
	if !bad {
		var acc0, acc1, acc2, acc3 float32
		rest := d[n:]
		for len(rest) >= 4 {
			acc0 += rest[0] * 0
			acc1 += rest[1] * 0
			acc2 += rest[2] * 0
			acc3 += rest[3] * 0
			rest = rest[4:]
		}
		for _, x := range rest {
			acc0 += x * 0
		}
		if acc0+acc1+acc2+acc3 == 0 {
			return -1
		}
	}
	for i, x := range d {
		if x*0 != 0 {
			return i
		}
	}
	return -1
}

// Lerp moves avg towards x in place: avg ← d·avg + (1−d)·x. x must be at
// least as long as avg.
func Lerp(avg, x []float32, d float32) {
	x = x[:len(avg)]
	n := 0
	if useAVX2 {
		n = len(avg) &^ 7
		if n > 0 {
			lerpAVX2(n, &avg[0], &x[0], d, 1-d)
		}
	}
	lerpGo(avg[n:], x[n:], d)
}

func lerpGo(avg, x []float32, d float32) {
	x = x[:len(avg)]
	for j, v := range x {
		avg[j] = float32(d*avg[j]) + float32((1-d)*v)
	}
}
