package vae

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHeapFlatOverSteps trains a tiny VAE (with Bernoulli binarisation,
// so every per-step draw is exercised) for 10,000 steps and checks that
// the live heap after a GC does not grow between step 1,000 and step
// 10,000: the graph is built once and nothing is kept per step. A leak of
// even 8 bytes a step would add 72 KB and fail.
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
	m, err := New(Config{Z: 4, Hidden: []int{16}, Height: 8, Width: 8, Binarize: true}, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: batch}, 1)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	images := make([]float32, batch*m.Config.Pixels())
	for i := range images {
		images[i] = rng.Float32()
	}
	var ms runtime.MemStats
	live := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var at1k, mallocs0 uint64
	for i := 1; i <= steps; i++ {
		_, err := s.Run(images, nil)
		require.NoError(t, err, "step %d", i)
		if i == measure {
			at1k, mallocs0 = live(), ms.Mallocs
		}
	}
	end := live()
	t.Logf("live heap after GC: %d B at step %d, %d B at step %d (%+d B); %.0f allocations per step",
		at1k, measure, end, steps, int64(end)-int64(at1k), float64(ms.Mallocs-mallocs0)/(steps-measure))
	assert.LessOrEqual(t, end, at1k+bound, "live heap grew by %d B over %d steps (bound %d B): something is kept per step", int64(end)-int64(at1k), steps-measure, bound)
}
