package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// check runs For and verifies that every chunk ran exactly once, that
// worker indices stay below workers, and that no worker index ran two
// chunks at once (the promise that lets each own scratch space).
func check(t *testing.T, chunks, workers int, inner func()) {
	t.Helper()
	counts := make([]atomic.Int32, chunks)
	busy := make([]atomic.Int32, max(workers, 1))
	var bad atomic.Value
	For(chunks, workers, func(w, j int) {
		if w < 0 || w >= max(workers, 1) {
			bad.Store("worker index out of range")
			return
		}
		if busy[w].Add(1) != 1 {
			bad.Store("one worker index ran two chunks at once")
		}
		if inner != nil {
			inner()
		}
		counts[j].Add(1)
		busy[w].Add(-1)
	})
	require.Nil(t, bad.Load(), "chunks %d, workers %d", chunks, workers)
	for j := range counts {
		require.Equal(t, int32(1), counts[j].Load(), "chunks %d, workers %d: times chunk %d ran", chunks, workers, j)
	}
}

func TestFor(t *testing.T) {
	for _, c := range []struct{ chunks, workers int }{
		{0, 2}, {1, 2}, {2, 1}, {2, 2}, {7, 2}, {100, 2}, {100, 8}, {3, 64}, {MaxChunks + 1, 2},
	} {
		check(t, c.chunks, c.workers, nil)
	}
}

// TestForShares checks that the pool does take work when it exists, also
// after its workers have parked.
func TestForShares(t *testing.T) {
	if Workers() < 2 {
		t.Skip("one core: nothing to share")
	}
	before := shared.Load()
	var others atomic.Int32
	for range 50 {
		For(16, 2, func(w, j int) {
			if w != 0 {
				others.Add(1)
			}
			time.Sleep(20 * time.Microsecond)
		})
	}
	time.Sleep(3 * IdleSpin) // let the workers park
	For(16, 2, func(w, j int) {
		if w != 0 {
			others.Add(1)
		}
		time.Sleep(100 * time.Microsecond)
	})
	require.Equal(t, before+51, shared.Load(), "calls shared, of 51")
	require.NotZero(t, others.Load(), "chunks run on a pool worker")
}

// TestForNestedAndConcurrent: a For inside a chunk, and Fors from many
// goroutines at once, run their chunks themselves when the pool is taken
// and never deadlock.
func TestForNestedAndConcurrent(t *testing.T) {
	check(t, 8, 2, func() {
		var n atomic.Int32
		For(5, 2, func(w, j int) { n.Add(1) })
		if n.Load() != 5 {
			panic("nested For lost chunks")
		}
	})
	var wg sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for range 20 {
				check(t, 9, 2, nil)
			}
		})
	}
	wg.Wait()
}

func TestRunAllocatesNothing(t *testing.T) {
	var sum atomic.Int64
	c := Func(func(w, j int) { sum.Add(int64(j)) })
	Run(8, 2, c)
	require.Zero(t, testing.AllocsPerRun(100, func() { Run(8, 2, c) }), "allocations per Run")
	require.Equal(t, int64(102*28), sum.Load(), "chunk sum")
}

func BenchmarkFor(b *testing.B) {
	// Two chunks of about 10 µs: what sharing a small product costs.
	work := func(w, j int) {
		x := 1.0
		for range 10_000 {
			x = x*1.0000001 + 1e-9
		}
		if x < 0 {
			panic("unreachable")
		}
	}
	b.Run("shared", func(b *testing.B) {
		for b.Loop() {
			For(2, 2, work)
		}
	})
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			For(2, 1, work)
		}
	})
}
