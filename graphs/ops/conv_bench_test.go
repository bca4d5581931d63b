package ops

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gorgonia.org/tensor"
)

// BenchmarkConvPaths times each direction of the zoo's convolutions at
// batch 64 with im2col buffers and col2im, with the input gradient as a
// flipped convolution, and with implicit GEMM wherever it can run, in
// turn in one process, so that a loaded machine slows all of them alike.
// Run it with -cpu 1: the op then runs on the benchmark's own thread,
// and its CPU time (cpu-ns/op) leaves out the waits for a busy core.
func BenchmarkConvPaths(b *testing.B) {
	shapes := []struct {
		name                  string
		c, h, o, k, stride, p int
	}{
		{"1x28 k4s2p1 to 32", 1, 28, 32, 4, 2, 1},
		{"32x14 k4s2p1 to 64", 32, 14, 64, 4, 2, 1},
		{"64x14 k3p1 to 32", 64, 14, 32, 3, 1, 1},
		{"32x28 k3p1 to 1", 32, 28, 1, 3, 1, 1},
		{"32x28 k3p1 to 32", 32, 28, 32, 3, 1, 1},
		{"32x16 k3s2p1 to 64", 32, 16, 64, 3, 2, 1},
	}
	for _, s := range shapes {
		g := newConvGeom(tensor.Shape{64, s.c, s.h, s.h}, tensor.Shape{s.o, s.c, s.k, s.k}, s.stride, s.p)
		rng := rand.New(rand.NewPCG(1, 2))
		x := randDense(rng, 64, s.c, s.h, s.h)
		w := randDense(rng, s.o, s.c, s.k, s.k)
		bias := randDense(rng, s.o)
		dy := randDense(rng, 64, s.o, g.oh, g.ow)
		for _, d := range []struct {
			dir convDir
			in  []any
		}{
			{convForward, []any{x, w, bias}},
			{convInputGrad, []any{w, dy}},
			{convWeightGrad, []any{x, dy}},
		} {
			for _, path := range []struct {
				name string
				v    int
			}{{"im2col", pathIm2col}, {"flipped", pathFlipped}, {"implicit", pathImplicit}} {
				b.Run(fmt.Sprintf("%s/%v/%s", s.name, d.dir, path.name), func(b *testing.B) {
					defer func(old int) { convPath = old }(convPath)
					convPath = path.v
					op := newConvOp(d.dir, g, true)
					vals := make([]tensor.Tensor, len(d.in))
					for i, v := range d.in {
						vals[i] = v.(*tensor.Dense)
					}
					b.ReportAllocs()
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					cpu0 := threadCPU()
					for b.Loop() {
						var err error
						if len(vals) == 3 {
							_, err = op.Do(vals[0], vals[1], vals[2])
						} else {
							_, err = op.Do(vals[0], vals[1])
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					if cpu := threadCPU() - cpu0; cpu > 0 {
						b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
					}
				})
			}
		}
	}
}
