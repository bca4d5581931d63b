package peak

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestKernelsCount checks each loop's arithmetic, and so the FLOPs it
// claims per iteration: every lane of every chain adds a·b once an
// iteration, so the lanes sum to n·a·b·(flopsPerIter/2).
func TestKernelsCount(t *testing.T) {
	for _, k := range append(archKernels(), goKernel) {
		t.Run(k.name, func(t *testing.T) {
			for _, c := range []struct {
				n    int
				a, b float32
			}{{0, 1, 1}, {1, 1, 1}, {1000, 1, 1}, {37, 2, 0.25}, {chunk, 1, 1}} {
				want := float64(c.n) * float64(c.a*c.b) * k.flopsPerIter / 2
				require.Equal(t, want, float64(k.run(c.n, c.a, c.b)), "%d iterations of %g·%g", c.n, c.a, c.b)
			}
		})
	}
}

func TestMeasure(t *testing.T) {
	r := Measure(2, 20*time.Millisecond)
	require.Equal(t, 2, r.Threads)
	require.Greater(t, r.FLOPS, 1e8, "a core does more than 0.1 GFLOP/s")
	require.False(t, math.IsInf(r.FLOPS, 0))
	var names []string
	for _, k := range kernels() {
		names = append(names, k.name)
	}
	require.Contains(t, names, r.Kernel)
	require.Equal(t, 1, Measure(0, time.Millisecond).Threads, "threads < 1 means 1")
}
