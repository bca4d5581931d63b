// Package vec holds the elementwise float32 loops that every training step
// runs over all parameters: Adam's update, the non-finite check before it,
// and the moving average of a GAN generator's weights.
//
// Each has a plain Go version and, on amd64 with AVX2 (and without the
// purego build tag), an assembly version over 8 values at a time. The two
// give bit-identical results: the assembly does the Go code's operations
// in the Go code's order, in float32, with no fused multiply-adds, and
// VSQRTPS rounds exactly as float32(math.Sqrt(float64(x))) does. The tests
// check that on random data of every length up to a few vectors.
//
// Why it matters: the MLP GAN has about half a million parameters and
// updates them every step; the scalar Adam loop took a quarter of a step.
package vec
