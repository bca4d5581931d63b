package gemm

import (
	"sync"
	"sync/atomic"

	"github.com/gorgozoo/gorgozoo/internal/parallel"
)

// parallelWork is the m·n·k from which a product is shared across cores.
// Waking a parked worker costs from a few to tens of microseconds (more
// when the machine is busy); below 128³ ≈ 2M multiply-adds (≈ 50 µs of
// single-core work with the AVX2 kernel) that eats most of what the second
// core saves. A variable only so that tests can force sharing of small
// products.
var parallelWork = 128 * 128 * 128

// threads caps the cores one product may use; 0 means no cap beyond
// GOMAXPROCS and the CPU count.
var threads atomic.Int32

// SetThreads caps how many cores a single product may use (n ≤ 0 removes
// the cap). By default a large product uses every core Go may run on
// (GOMAXPROCS, at most the CPU count). On a machine whose cores are all
// busy with other processes a second core brings nothing and waiting for
// it costs a little: SetThreads(1) keeps every product on its caller.
// Safe to call at any time. With the openblas build tag too: OpenBLAS
// itself always runs single-threaded and is shared over the cores here.
func SetThreads(n int) {
	threads.Store(int32(min(max(n, 0), 1<<20)))
}

// sharedProducts counts the products shared across cores, for tests.
var sharedProducts atomic.Int64

// workerBufs holds the packing buffers of the pool's workers, by worker
// index (index 0, the caller, brings its own): internal/parallel runs one
// chunk at a time per index.
var (
	workerBufsOnce sync.Once
	workerBufs     []*buffers
)

// run computes p, sharing it across the cores when it is big enough. A
// shared product is cut into chunks of C's columns (or rows) that the
// caller and idle pool workers claim one at a time (internal/parallel),
// so a worker the OS does not schedule in time costs nothing.
func run(kern *kernel, p *problem) {
	parts := 1
	if p.m*p.n*p.k >= parallelWork && !p.serial {
		parts = parallel.Workers()
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
		compute(kern, p, buf)
		return
	}
	sharedProducts.Add(1)
	workerBufsOnce.Do(func() {
		workerBufs = make([]*buffers, parallel.Workers())
		for i := range workerBufs {
			workerBufs[i] = new(buffers)
		}
	})
	buf.share = sharing{kern: kern, p: *p, byCols: byCols, chunk: chunk, extent: extent, buf: buf}
	parallel.Run(nChunks, parts, &buf.share)
	buf.share = sharing{} // drop references to the caller's matrices
}

// sharing is one product being shared: chunk i is C's columns (or rows)
// [i·chunk, (i+1)·chunk). A value in the caller's buffers, so that sharing
// allocates nothing.
type sharing struct {
	kern          *kernel
	p             problem
	byCols        bool
	chunk, extent int
	buf           *buffers // the caller's, for worker 0
}

func (s *sharing) Chunk(worker, i int) {
	b := s.buf
	if worker > 0 {
		b = workerBufs[worker]
	}
	lo := i * s.chunk
	sub := block(&s.p, s.byCols, lo, min(s.chunk, s.extent-lo))
	compute(s.kern, &sub, b)
}

// compute runs p on the calling goroutine with kern's own driver, or
// through its external library.
func compute(kern *kernel, p *problem, buf *buffers) {
	if kern.external != nil {
		kern.external(*p)
		return
	}
	gemmSerial(kern, p, buf)
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
