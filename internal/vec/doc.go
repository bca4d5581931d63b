// Package vec holds the elementwise float32 loops that dominate a training
// step apart from the matrix products: Adam's update, the non-finite check
// before it and the moving average of a GAN generator's weights, which
// run over all parameters every step; and the transcendental functions of
// graphs' activation and BCE ops (tanh, σ, SiLU with its σ, BCE with
// logits and its slope) and GroupNorm's per-channel affine maps (forward
// and input gradient, in float64), which run over every output pixel.
//
// Each has a plain Go version and, on amd64 with AVX2 (and without the
// purego build tag), an assembly version. The two give bit-identical
// results: the assembly does the Go code's operations in the Go code's
// order (Adam in float32, the fast math and the affine maps in float64
// four values at a time), with no fused multiply-adds, and VSQRTPS rounds exactly as
// float32(math.Sqrt(float64(x))) does. The tests check
// that on random data of every length up to a few vectors, and bound each
// function's error against package math in float64.
//
// Why it matters: the MLP GAN has about half a million parameters and
// updates them every step; the scalar Adam loop took a quarter of a step.
// The MLP VAE's BCE over 128×784 logits took another quarter of its step
// through package math, 19 ns a value through the scalar fast math, and
// takes 5 ns a value (value and slope together) in assembly; the GAN
// generator's tanh output went from 26 (math.Tanh) to 10.6 to 2.8 ns.
package vec
