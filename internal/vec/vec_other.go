//go:build !amd64 || purego

package vec

// useAVX2 is false: this build has no assembly loops.
const useAVX2 = false

func adamAVX2(n int, p, g, m, v *float32, k *[7]float32) { panic("vec: no assembly in this build") }
func nonFiniteAVX2(n int, d *float32) bool               { panic("vec: no assembly in this build") }
func lerpAVX2(n int, avg, x *float32, d, e float32)      { panic("vec: no assembly in this build") }
func bceAVX2(n int, value, slope, x, t *float32, target float32) {
	panic("vec: no assembly in this build")
}
func tanhAVX2(n int, dst, x *float32)                 { panic("vec: no assembly in this build") }
func sigmoidAVX2(n int, dst, x *float32)              { panic("vec: no assembly in this build") }
func siluAVX2(n int, dst, sig, x *float32)            { panic("vec: no assembly in this build") }
func affineAVX2(n int, dst, x *float32, a, b float64) { panic("vec: no assembly in this build") }
func affineCentredAVX2(n int, dst, u, x *float32, a, m, b, c float64) {
	panic("vec: no assembly in this build")
}
