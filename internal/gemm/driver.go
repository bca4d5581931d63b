package gemm

import (
	"sync"
)

// kernel describes one micro-kernel and the cache blocking that suits it.
type kernel struct {
	name   string
	mr, nr int // register tile: C is updated mr rows × nr columns at a time
	mc     int // rows of A packed at once (a multiple of mr; sized for L2)
	kc     int // depth of one packed panel pair (B micro-panel kc×nr fits L1)
	nc     int // columns of B packed at once (a multiple of nr)

	// tile stores alpha·(Ap·Bp) + beta·C into the full mr×nr tile at c
	// (row stride ldc), where Ap is a packed micro-panel of kc steps of mr
	// values and Bp one of kc steps of nr values. With beta == 0 it must
	// not read c.
	tile func(kc int, a, b, c []float32, ldc int, alpha, beta float32)

	// tileA, when set, is tile reading A in place instead of packed:
	// element (r, l) of the mr×kc block is a[r·rs + l·ls]. It lets the
	// driver skip packing A where that packing would not pay for itself.
	tileA func(kc int, a []float32, rs, ls int, b, c []float32, ldc int, alpha, beta float32)

	// external, when set, computes a whole validated product by other
	// means (OpenBLAS, gonum); the fields above are then unused, but for
	// mr and nr of a callerThread kernel. It takes the problem by value
	// so that the indirect call does not make sgemm's problem escape to
	// the heap.
	external func(p problem)

	// callerThread marks an external kernel that computes on the calling
	// thread alone (OpenBLAS set to one thread), so that run shares its
	// large products over the pool like the packed kernels' ones, in
	// chunks of whole mr×nr tiles.
	callerThread bool
}

// buffers holds one goroutine's packing space. They are pooled so that a
// training loop that issues the same products every step allocates nothing
// once the pool is warm.
type buffers struct {
	a, b  []float32
	tmp   []float32 // one mr×nr tile, for the ragged right and bottom edges
	share sharing   // the caller's product while it is shared (parallel.go)
}

var bufPool = sync.Pool{New: func() any { return new(buffers) }}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// gemmSerial runs the classic five-loop blocked GEMM (Goto/BLIS order) on
// one goroutine: for each nc-wide block of columns and kc-deep slab, pack
// that slab of B once; for each mc-high block of rows pack A (unless the
// kernel reads it in place); then sweep the micro-kernel over the tiles.
// Every micro-panel of B is reused by all the row tiles of the block while
// it sits in L1, and the A block is reused by every column tile while it
// sits in L2. Packing also makes transposes free: all four combinations
// become the same kernel call.
func gemmSerial(kern *kernel, p *problem, buf *buffers) {
	mr, nr := kern.mr, kern.nr
	kcMax := min(kern.kc, p.k)
	ncMax := min(kern.nc, roundUp(p.n, nr))
	mcMax := min(kern.mc, roundUp(p.m, mr))
	buf.b = grow(buf.b, kcMax*ncMax)
	buf.a = grow(buf.a, kcMax*mcMax)
	buf.tmp = grow(buf.tmp, mr*nr)
	tmp := buf.tmp

	// Reading A in place: op(A)[i,l] = a[i·rs + l·ls].
	inPlace := kern.tileA != nil && readAInPlace(p)
	rs, ls := p.lda, 1
	if p.aTrans {
		rs, ls = 1, p.lda
	}

	for jc := 0; jc < p.n; jc += kern.nc {
		nc := min(kern.nc, p.n-jc)
		for pc := 0; pc < p.k; pc += kern.kc {
			kc := min(kern.kc, p.k-pc)
			packB(p, buf.b, pc, jc, kc, nc, nr)
			// The first slab applies the caller's beta; later slabs
			// accumulate onto what the first one wrote.
			beta := p.beta
			if pc > 0 {
				beta = 1
			}
			for ic := 0; ic < p.m; ic += kern.mc {
				mc := min(kern.mc, p.m-ic)
				full := mc // rows read in place; the rest are packed
				if inPlace {
					full = mc - mc%mr
					if full < mc {
						packA(p, buf.a[full*kc:], ic+full, pc, mc-full, kc, mr)
					}
				} else {
					packA(p, buf.a, ic, pc, mc, kc, mr)
				}
				for jr := 0; jr < nc; jr += nr {
					w := min(nr, nc-jr)
					bp := buf.b[jr*kc : jr*kc+kc*nr]
					for ir := 0; ir < mc; ir += mr {
						h := min(mr, mc-ir)
						off := (ic+ir)*p.ldc + jc + jr
						if inPlace && ir < full {
							a := p.a[(ic+ir)*rs+pc*ls:]
							if w == nr {
								kern.tileA(kc, a, rs, ls, bp, p.c[off:], p.ldc, p.alpha, beta)
							} else {
								kern.tileA(kc, a, rs, ls, bp, tmp, nr, 1, 0)
								mergeEdge(p.c[off:], p.ldc, tmp, nr, h, w, p.alpha, beta)
							}
							continue
						}
						ap := buf.a[ir*kc : ir*kc+kc*mr]
						if h == mr && w == nr {
							kern.tile(kc, ap, bp, p.c[off:], p.ldc, p.alpha, beta)
							continue
						}
						// Ragged edge: the packed panels are zero-padded, so
						// the kernel computes a full tile into tmp and only
						// the valid h×w corner is merged into C.
						kern.tile(kc, ap, bp, tmp, nr, 1, 0)
						mergeEdge(p.c[off:], p.ldc, tmp, nr, h, w, p.alpha, beta)
					}
				}
			}
		}
	}
}

func mergeEdge(c []float32, ldc int, t []float32, ldt, h, w int, alpha, beta float32) {
	for i := 0; i < h; i++ {
		ci := c[i*ldc : i*ldc+w]
		ti := t[i*ldt : i*ldt+w]
		if beta == 0 {
			for j, v := range ti {
				ci[j] = alpha * v
			}
			continue
		}
		for j, v := range ti {
			ci[j] = alpha*v + beta*ci[j]
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// inPlaceMode overrides readAInPlace's rule for experiments and tests:
// 0 applies the rule, 1 never reads A in place, 2 always does.
var inPlaceMode = 0

// readAInPlace reports whether to skip packing A. Packing costs a pass
// over A for every slab, amortised over the n columns of C, and pays off by
// giving the kernel sequential reads that no cache-set aliasing can evict.
// Measured on one core (CPU time), reading in place was 1.4–1.8× faster
// for the VAE's n = 20 products, 2–20% faster for the other model shapes,
// but 5–40% slower for 1024² products with a power-of-two leading
// dimension, whose rows alias in the caches. So A is read in place when C
// is narrow, or when all of A fits comfortably in L2 (512 KiB), where
// aliasing costs L2 hits at worst.
func readAInPlace(p *problem) bool {
	switch inPlaceMode {
	case 1:
		return false
	case 2:
		return true
	}
	return p.n <= 64 || p.m*p.k <= 128<<10
}
