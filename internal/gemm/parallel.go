package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelWork is the m·n·k from which a product is shared across cores.
// Waking a parked worker costs from a few to tens of microseconds (more
// when the machine is busy); below 128³ ≈ 2M multiply-adds (≈ 50 µs of
// single-core work with the AVX2 kernel) that eats most of what the second
// core saves. A variable only so that tests can force sharing of small
// products.
var parallelWork = 128 * 128 * 128

// A shared product is cut into chunks of C's columns (or rows) that the
// caller and any idle workers claim one at a time. Nobody is assigned a
// fixed share, so a worker that the OS does not schedule in time (the
// machine may be busy with other processes) costs nothing: the caller
// simply claims the remaining chunks itself and never waits for a worker
// that has not started one.
type job struct {
	kern   *kernel
	p      problem
	byCols bool
	chunk  int // chunk size along the split side

	// state packs a generation (high 32 bits), the number of chunks (next
	// 16) and the next chunk to claim (low 16). Jobs are pooled and
	// reused, and a worker may receive a wake-up for a job that finished
	// long ago; because a claim compares and swaps all three at once, a
	// stale claim fails instead of taking a chunk of a later use, and it
	// never reads a field that a later use is rewriting.
	state atomic.Uint64
	done  atomic.Int64  // chunks finished in this generation
	fin   chan struct{} // receives once when the last chunk finishes
	gen   uint32        // this use's generation (owner's copy)
}

type wake struct {
	j   *job
	gen uint32
}

var jobPool = sync.Pool{New: func() any { return &job{fin: make(chan struct{}, 1)} }}

// threads caps the cores one product may use; 0 means no cap beyond
// GOMAXPROCS and the CPU count.
var threads atomic.Int32

// SetThreads caps how many cores a single product may use (n ≤ 0 removes
// the cap). By default a large product uses every core Go may run on
// (GOMAXPROCS, at most the CPU count). On a machine whose cores are all
// busy with other processes a second core brings nothing and waiting for
// it costs a little: SetThreads(1) keeps every product on its caller.
// Safe to call at any time; with the openblas build tag it also sets
// OpenBLAS's thread count.
func SetThreads(n int) {
	threads.Store(int32(min(max(n, 0), 1<<20)))
	setExternalThreads(n)
}

// sharedProducts counts the products shared across cores, for tests.
var sharedProducts atomic.Int64

var (
	workersOnce sync.Once
	workers     int
	wakeups     chan wake
)

// startWorkers starts one long-lived worker per CPU beyond the caller's.
// Long-lived workers avoid creating a goroutine (and allocating its
// closure) for every product.
func startWorkers() {
	workers = min(runtime.NumCPU(), runtime.GOMAXPROCS(0)) - 1
	wakeups = make(chan wake, max(2*workers, 1))
	for range workers {
		go func() {
			buf := new(buffers)
			for w := range wakeups {
				w.j.work(w.gen, buf)
			}
		}()
	}
}

// claim takes chunk i of the n chunks of generation gen, or returns i < 0
// when there is none left (or the job has moved on to a later generation).
func (j *job) claim(gen uint32) (i, n int) {
	for {
		s := j.state.Load()
		if uint32(s>>32) != gen {
			return -1, 0
		}
		i, n = int(uint16(s)), int(uint16(s>>16))
		if i >= n {
			return -1, 0
		}
		if j.state.CompareAndSwap(s, s+1) {
			return i, n
		}
	}
}

// work computes chunks of generation gen until none are left.
func (j *job) work(gen uint32, buf *buffers) {
	for {
		i, n := j.claim(gen)
		if i < 0 {
			return
		}
		lo := i * j.chunk
		extent := j.p.m
		if j.byCols {
			extent = j.p.n
		}
		sub := block(&j.p, j.byCols, lo, min(j.chunk, extent-lo))
		gemmSerial(j.kern, &sub, buf)
		if j.done.Add(1) == int64(n) {
			j.fin <- struct{}{}
		}
	}
}

// run computes p, sharing it across the cores when it is big enough.
func run(kern *kernel, p *problem) {
	parts := 1
	if p.m*p.n*p.k >= parallelWork && !p.serial {
		workersOnce.Do(startWorkers)
		// At most 64 parts keeps the chunk count (≤ 4·parts+1) well
		// inside the 16 bits that job.state gives it.
		parts = min(workers+1, runtime.GOMAXPROCS(0), 64)
		if t := int(threads.Load()); t > 0 {
			parts = min(parts, t)
		}
	}
	// Split the longer side of C: each chunk packs its own slice of that
	// side's operand and all of the other one, so splitting the longer
	// side repeats the smaller packing work.
	byCols := p.n >= p.m
	unit, minChunk, extent := kern.mr, 8*kern.mr, p.m
	if byCols {
		unit, minChunk, extent = kern.nr, 4*kern.nr, p.n
	}
	// About four chunks per core balances load when a core is slow or
	// busy; chunks of at least a few tiles keep the repeated packing of the
	// other operand small.
	chunk := max(minChunk, roundUp((extent+4*parts-1)/(4*parts), unit))
	nChunks := (extent + chunk - 1) / chunk
	buf := bufPool.Get().(*buffers)
	defer bufPool.Put(buf)
	if parts <= 1 || nChunks <= 1 {
		gemmSerial(kern, p, buf)
		return
	}

	sharedProducts.Add(1)
	j := jobPool.Get().(*job)
	j.kern, j.p, j.byCols, j.chunk = kern, *p, byCols, chunk
	j.gen++
	j.done.Store(0)
	// Publishing the new generation makes the fields above visible to
	// every worker whose claim succeeds.
	j.state.Store(uint64(j.gen)<<32 | uint64(nChunks)<<16)
	for range min(parts-1, nChunks-1) {
		select {
		case wakeups <- wake{j, j.gen}:
		default:
			// Workers are all busy or already woken: no need to queue.
		}
	}
	j.work(j.gen, buf)
	<-j.fin
	j.kern, j.p = nil, problem{} // drop references to the caller's matrices
	jobPool.Put(j)
}

// block returns the sub-problem for C's columns (or rows) [lo, lo+size).
func block(p *problem, byCols bool, lo, size int) problem {
	s := *p
	if byCols {
		s.n = size
		s.c = p.c[lo:]
		if p.bTrans {
			s.b = p.b[lo*p.ldb:]
		} else {
			s.b = p.b[lo:]
		}
		return s
	}
	s.m = size
	s.c = p.c[lo*p.ldc:]
	if p.aTrans {
		s.a = p.a[lo:]
	} else {
		s.a = p.a[lo*p.lda:]
	}
	return s
}
