//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// useAVX2 is true when the CPU runs the assembly loops.
var useAVX2 = cpu.X86.HasAVX2

// adamAVX2 is adamGo over n values, n a multiple of 8. k holds b1, 1−b1,
// b2, 1−b2, stepSize, sqrtBias2 and eps.
//
//go:noescape
func adamAVX2(n int, p, grad, m, v *float32, k *[7]float32)

// nonFiniteAVX2 reports whether any of the n values at d (n a multiple of
// 16) is NaN or ±Inf.
//
//go:noescape
func nonFiniteAVX2(n int, d *float32) bool

// lerpAVX2 sets avg[j] = d·avg[j] + e·x[j] for n values, n a multiple of 8.
//
//go:noescape
func lerpAVX2(n int, avg, x *float32, d, e float32)

// bceAVX2 is bce32 over n values, n a multiple of 4: value[i], and slope[i]
// unless slope is nil, from x[i] and t[i] (target when t is nil).
//
//go:noescape
func bceAVX2(n int, value, slope, x, t *float32, target float32)

// tanhAVX2 is tanh32 over n values, n a multiple of 4.
//
//go:noescape
func tanhAVX2(n int, dst, x *float32)

// sigmoidAVX2 is sigmoid32 over n values, n a multiple of 4.
//
//go:noescape
func sigmoidAVX2(n int, dst, x *float32)

// siluAVX2 is silu32 over n values, n a multiple of 4.
//
//go:noescape
func siluAVX2(n int, dst, sig, x *float32)

// affineAVX2 is Affine over n values, n a multiple of 4.
//
//go:noescape
func affineAVX2(n int, dst, x *float32, a, b float64)

// affineCentredAVX2 is AffineCentred over n values, n a multiple of 4.
//
//go:noescape
func affineCentredAVX2(n int, dst, u, x *float32, a, m, b, c float64)
