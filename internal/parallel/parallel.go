package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// IdleSpin is how long a worker keeps looking for work after its last
// chunk before it parks. Long enough to bridge the serial gaps inside a
// training step, short enough that an idle program stops using the cores
// at once to a human's eye.
const IdleSpin = 200 * time.Microsecond

// MaxChunks is the most chunks one call shares with the pool; a call with
// more runs them all on its caller.
const MaxChunks = 1<<12 - 1

// A Chunker computes chunk j as the goroutine named worker.
type Chunker interface {
	Chunk(worker, j int)
}

// Func adapts a function to Chunker.
type Func func(worker, j int)

// Chunk calls f(worker, j).
func (f Func) Chunk(worker, j int) { f(worker, j) }

// The work being shared lives in package variables, reused by every call,
// so that sharing allocates nothing. state packs a generation (high 32
// bits), the number of workers allowed (8 bits), the number of chunks and
// the next chunk to claim (12 bits each). A claim compares and swaps the
// whole word, so a worker still looking at an earlier call's state can
// never take a chunk of a later one.
var (
	owned atomic.Bool   // a caller is sharing work
	state atomic.Uint64 // see above
	done  atomic.Int32  // chunks finished in this generation
	job   Chunker       // the owner's work; set before state is published

	startOnce sync.Once
	poolSize  int           // goroutines in the pool, beside the caller
	parked    atomic.Int32  // workers blocked on wake
	wake      chan struct{} // a token for each parked worker to wake
	shared    atomic.Int64  // calls shared with the pool, for tests
)

func pack(gen uint32, workers, chunks, next int) uint64 {
	return uint64(gen)<<32 | uint64(workers)<<24 | uint64(chunks)<<12 | uint64(next)
}

func unpack(s uint64) (gen uint32, workers, chunks, next int) {
	return uint32(s >> 32), int(s>>24) & 0xff, int(s>>12) & 0xfff, int(s) & 0xfff
}

// Workers returns how many goroutines can work on one call: the caller
// and the pool, one per core that Go may run on (GOMAXPROCS when the pool
// started, at most the CPU count and 255).
func Workers() int {
	startOnce.Do(start)
	return poolSize + 1
}

func start() {
	poolSize = min(runtime.NumCPU(), runtime.GOMAXPROCS(0), 255) - 1
	wake = make(chan struct{}, max(poolSize, 1))
	for id := 1; id <= poolSize; id++ {
		go worker(id)
	}
}

// For calls f(worker, j) once for every chunk j < chunks and returns when
// all have returned; see Run.
func For(chunks, workers int, f func(worker, j int)) { Run(chunks, workers, Func(f)) }

// Run calls c.Chunk(worker, j) once for every chunk j < chunks and returns
// when all have returned. Up to workers goroutines take part: the caller
// as worker 0 and pool workers as 1, 2, … below workers. Chunks are
// claimed one at a time. Run allocates nothing.
func Run(chunks, workers int, c Chunker) {
	if chunks > 1 && workers > 1 {
		startOnce.Do(start)
	}
	workers = min(workers, poolSize+1)
	if chunks <= 1 || workers <= 1 || chunks > MaxChunks || !owned.CompareAndSwap(false, true) {
		for j := range chunks {
			c.Chunk(0, j)
		}
		return
	}
	shared.Add(1)
	job = c
	done.Store(0)
	gen, _, _, _ := unpack(state.Load())
	gen++
	state.Store(pack(gen, workers, chunks, 0))
	// A worker that parks increments parked before it looks at state a
	// last time, so either it sees this call or this call sees it parked.
	for n := min(int(parked.Load()), workers-1); n > 0; n-- {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	runChunks(0, gen)
	// The remaining chunks are running on workers; they are short.
	for done.Load() < int32(chunks) {
		if !spinFor(func() bool { return done.Load() >= int32(chunks) }) {
			runtime.Gosched()
		}
	}
	job = nil
	owned.Store(false)
}

// runChunks computes chunks of generation gen as worker id until none are
// left for it.
func runChunks(id int, gen uint32) {
	for {
		s := state.Load()
		g, workers, chunks, next := unpack(s)
		if g != gen || id >= workers || next >= chunks {
			return
		}
		if !state.CompareAndSwap(s, s+1) {
			continue
		}
		job.Chunk(id, next)
		done.Add(1)
	}
}

// open reports whether worker id may take a chunk in state s.
func open(s uint64, id int) bool {
	_, workers, chunks, next := unpack(s)
	return id < workers && next < chunks
}

func worker(id int) {
	idleSince := time.Now()
	for looks := 0; ; looks++ {
		if s := state.Load(); open(s, id) {
			gen, _, _, _ := unpack(s)
			runChunks(id, gen)
			idleSince, looks = time.Now(), 0
			continue
		}
		// Look again a few times before letting other goroutines (the
		// caller's, the garbage collector's) have this core: each
		// Gosched takes the scheduler's lock, which the caller's core
		// needs too.
		if spinFor(func() bool { return open(state.Load(), id) }) {
			continue
		}
		runtime.Gosched()
		if looks%16 != 15 || time.Since(idleSince) < IdleSpin {
			continue
		}
		parked.Add(1)
		if open(state.Load(), id) {
			parked.Add(-1)
			continue
		}
		<-wake
		parked.Add(-1)
		idleSince, looks = time.Now(), 0
	}
}

// spinLooks is how many times spinFor looks before giving up: about a
// microsecond of loads from one cache line.
const spinLooks = 256

// spinFor reports whether ready became true within spinLooks looks.
func spinFor(ready func() bool) bool {
	for range spinLooks {
		if ready() {
			return true
		}
	}
	return false
}
