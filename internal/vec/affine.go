package vec

// Affine sets dst[i] = float32(x[i]·a + b), computed in float64; x must
// be at least as long as dst. GroupNorm's forward pass maps each channel
// so, with b = β − μ·a, where float32 would lose the cancellation of a
// large mean.
func Affine(dst, x []float32, a, b float64) {
	x = x[:len(dst)]
	n := 0
	if useAVX2 {
		n = len(dst) &^ 3
		if n > 0 {
			affineAVX2(n, &dst[0], &x[0], a, b)
		}
	}
	for i := n; i < len(dst); i++ {
		dst[i] = affine(x[i], a, b)
	}
}

// affine is Affine's value; the explicit conversion rounds the product,
// so that no compiler fuses it with the addition and the assembly's
// bits stay the same.
func affine(x float32, a, b float64) float32 {
	return float32(float64(float64(x)*a) + b)
}

// AffineCentred sets dst[i] = float32(u[i]·a + (x[i] − m)·b + c),
// computed in float64 in that order; u and x must be at least as long as
// dst. It is GroupNorm's input gradient for one channel, with u the
// upstream gradient, x the input and m its group's mean.
func AffineCentred(dst, u, x []float32, a, m, b, c float64) {
	u, x = u[:len(dst)], x[:len(dst)]
	n := 0
	if useAVX2 {
		n = len(dst) &^ 3
		if n > 0 {
			affineCentredAVX2(n, &dst[0], &u[0], &x[0], a, m, b, c)
		}
	}
	for i := n; i < len(dst); i++ {
		dst[i] = affineCentred(u[i], x[i], a, m, b, c)
	}
}

// affineCentred is AffineCentred's value, each product rounded
// explicitly as in affine.
func affineCentred(u, x float32, a, m, b, c float64) float32 {
	return float32(float64(float64(u)*a) + float64((float64(x)-m)*b) + c)
}
