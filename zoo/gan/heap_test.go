package gan

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHeapFlatOverSteps trains a tiny GAN with every per-step feature on
// (dropout masks, packing, EMA) for 10,000 steps and checks that the live
// heap after a GC does not grow between step 1,000 and step 10,000: graphs
// are built once, and whatever a step allocates must die with it. A leak
// of even 8 bytes a step would add 72 KB and fail.
func TestHeapFlatOverSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 training steps")
	}
	const (
		batch   = 16
		steps   = 10_000
		measure = 1_000
		bound   = 64 << 10 // bytes of growth allowed: runtime noise, not a leak
	)
	m, err := New(Config{Z: 8, Height: 8, Width: 8, GHidden: []int{16}, DHidden: []int{16, 8}, DDropout: 0.3, DPack: 2, EMA: 0.999}, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: batch}, 1)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	images := make([]float32, batch*m.Config.Pixels())
	for i := range images {
		images[i] = 2*rng.Float32() - 1
	}
	live := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var at1k uint64
	var mallocs0 uint64
	for i := 1; i <= steps; i++ {
		_, err := s.Run(images, nil)
		require.NoError(t, err, "step %d", i)
		if i == measure {
			at1k = live()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mallocs0 = ms.Mallocs
		}
	}
	end := live()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("live heap after GC: %d B at step %d, %d B at step %d (%+d B); %.0f allocations per step",
		at1k, measure, end, steps, int64(end)-int64(at1k), float64(ms.Mallocs-mallocs0)/(steps-measure))
	assert.LessOrEqual(t, end, at1k+bound, "live heap grew by %d B over %d steps (bound %d B): something is kept per step", int64(end)-int64(at1k), steps-measure, bound)
}
