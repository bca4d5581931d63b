package ops

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gorgonia.org/tensor"
)

// BenchmarkConvInputGrad times the input gradient of the zoo's stride-1
// convolutions at batch 64 through col2im ("scatter") and as a flipped
// convolution ("flipped"), in turn in one process, so that a loaded
// machine slows both alike. Run it with -cpu 1: the op then runs on the
// benchmark's own thread, and its CPU time (cpu-ns/op) leaves out the
// waits for a busy core.
func BenchmarkConvInputGrad(b *testing.B) {
	shapes := []struct {
		name       string
		c, h, o, k int
	}{
		{"64x14 k3p1 to 32", 64, 14, 32, 3},
		{"32x28 k3p1 to 1", 32, 28, 1, 3},
		{"32x28 k3p1 to 32", 32, 28, 32, 3},
		{"3x32 k3p1 to 64", 3, 32, 64, 3},
	}
	for _, s := range shapes {
		g := newConvGeom(tensor.Shape{64, s.c, s.h, s.h}, tensor.Shape{s.o, s.c, s.k, s.k}, 1, s.k/2)
		rng := rand.New(rand.NewPCG(1, 2))
		w := randDense(rng, s.o, s.c, s.k, s.k)
		dy := randDense(rng, 64, s.o, g.oh, g.ow)
		for _, scatter := range []bool{true, false} {
			name := map[bool]string{true: "scatter", false: "flipped"}[scatter]
			b.Run(fmt.Sprintf("%s/%s", s.name, name), func(b *testing.B) {
				defer func(old bool) { scatterInputGrad = old }(scatterInputGrad)
				scatterInputGrad = scatter
				op := newConvOp(convInputGrad, g, false)
				b.ReportAllocs()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				cpu0 := threadCPU()
				for b.Loop() {
					if _, err := op.Do(w, dy); err != nil {
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
