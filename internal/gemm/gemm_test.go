package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// testKernels are all the paths Sgemm can take on this machine: the direct
// small-product loop, every kernel the build and CPU support, and the
// fallbacks that other CPUs would use.
func testKernels() []*kernel {
	ks := append([]*kernel{directKernel}, kernels()...)
	for _, x := range extraTestKernels() {
		if !slices.Contains(ks, x) {
			ks = append(ks, x)
		}
	}
	return ks
}

type shape struct{ m, n, k int }

// testShapes covers degenerate sizes, sizes below, at and just past each
// kernel's tile and blocking sizes (mr 4/6/16, nr 4/16, kc 256, mc 120/128),
// and the models' own shapes.
var testShapes = []shape{
	{1, 1, 1}, {1, 1, 7}, {1, 17, 1}, {17, 1, 3}, {2, 3, 4},
	{3, 5, 7}, {4, 4, 4}, {5, 15, 9}, {6, 16, 8}, {7, 17, 11},
	{12, 32, 5}, {13, 33, 257}, {25, 47, 300}, {31, 65, 129},
	{64, 1, 128}, {1, 128, 64}, {64, 20, 400}, {121, 33, 513},
	{64, 256, 100}, {129, 130, 70}, {250, 40, 33},
	{16, 16, 8}, {17, 16, 4}, {32, 48, 256}, {33, 31, 260},
}

// reference computes alpha·op(A)·op(B) + beta·C in float64 and returns,
// per element, the result and the scale Σ|alpha·a·b| + |beta·c| against
// which float32 round-off is measured.
func reference(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, scale []float64) {
	want = make([]float64, m*n)
	scale = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, abs float64
			for l := 0; l < k; l++ {
				var av, bv float64
				if tA == blas.NoTrans {
					av = float64(a[i*lda+l])
				} else {
					av = float64(a[l*lda+i])
				}
				if tB == blas.NoTrans {
					bv = float64(b[l*ldb+j])
				} else {
					bv = float64(b[j*ldb+l])
				}
				s += av * bv
				abs += math.Abs(av * bv)
			}
			w := float64(alpha) * s
			sc := math.Abs(float64(alpha)) * abs
			if beta != 0 {
				w += float64(beta) * float64(c[i*ldc+j])
				sc += math.Abs(float64(beta) * float64(c[i*ldc+j]))
			}
			want[i*n+j] = w
			scale[i*n+j] = sc
		}
	}
	return want, scale
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// checkCase runs one product through kern and compares it with the
// float64 reference. pad is added to every leading dimension, and the
// padding of C must come back untouched.
func checkCase(t *testing.T, kern *kernel, tA, tB blas.Transpose, sh shape, alpha, beta float32, pad int, rng *rand.Rand) {
	t.Helper()
	m, n, k := sh.m, sh.n, sh.k
	ar, ac := m, k
	if tA != blas.NoTrans {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB != blas.NoTrans {
		br, bc = n, k
	}
	lda, ldb, ldc := ac+pad, bc+pad, n+pad
	a := randSlice(rng, max(ar*lda, 1))
	b := randSlice(rng, max(br*ldb, 1))
	c := randSlice(rng, m*ldc)
	if beta == 0 {
		// beta == 0 means C is write-only: NaNs there must not survive.
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	c0 := append([]float32(nil), c...)
	want, scale := reference(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

	sgemm(kern, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

	// float32 accumulation of k products: the error bound grows with k;
	// 4·k·ε relative to Σ|terms| is loose for blocked sums yet catches any
	// wrong or missing term (those err by O(1) relative).
	tol := 4 * float64(k+2) * 0x1p-24
	for i := 0; i < m; i++ {
		for j := 0; j < ldc; j++ {
			got := c[i*ldc+j]
			if j >= n {
				if math.Float32bits(got) != math.Float32bits(c0[i*ldc+j]) {
					require.Failf(t, "padding of C changed", "%s %c%c %v α=%v β=%v pad=%d: C[%d,%d]", kern.name, tA, tB, sh, alpha, beta, pad, i, j)
				}
				continue
			}
			w, s := want[i*n+j], scale[i*n+j]
			// A plain comparison, not an assertion per element: the
			// products are large and checked many times.
			if d := math.Abs(float64(got) - w); !(d <= tol*s+1e-30) {
				require.Failf(t, "product outside its tolerance", "%s %c%c %v α=%v β=%v pad=%d: C[%d,%d] = %v, want %v (|err| %.3g > %.3g)",
					kern.name, tA, tB, sh, alpha, beta, pad, i, j, got, w, d, tol*s)
			}
		}
	}
}

var transposes = []blas.Transpose{blas.NoTrans, blas.Trans}

var scalars = []struct{ alpha, beta float32 }{
	{1, 0}, {1, 1}, {-0.5, 0}, {2, -1.5}, {0.25, 0.75},
}

// withThresholds runs f with the packing and splitting thresholds set, so
// that small shapes also exercise the packed and parallel paths.
func withThresholds(small, par int, f func()) {
	s, p := smallWork, parallelWork
	smallWork, parallelWork = small, par
	defer func() { smallWork, parallelWork = s, p }()
	f()
}

func TestSgemmMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	defer func() { inPlaceMode = 0 }()
	for _, kern := range testKernels() {
		for _, split := range []bool{false, true} {
			if kern == directKernel && split {
				continue
			}
			// Kernels that can read A in place are checked with A always
			// packed and always read in place.
			modes := []int{0}
			if kern.tileA != nil {
				modes = []int{1, 2}
			}
			for _, mode := range modes {
				name := kern.name
				par := math.MaxInt
				if split {
					name += "/parallel"
					par = 0
				}
				name += [...]string{"", "/packedA", "/inplaceA"}[mode]
				inPlaceMode = mode
				t.Run(name, func(t *testing.T) {
					withThresholds(0, par, func() {
						for _, sh := range testShapes {
							for _, tA := range transposes {
								for _, tB := range transposes {
									for _, s := range scalars {
										for _, pad := range []int{0, 3} {
											checkCase(t, kern, tA, tB, sh, s.alpha, s.beta, pad, rng)
										}
									}
								}
							}
						}
					})
				})
			}
		}
	}
}

// TestSgemmDeepK crosses several kc slabs, where beta must be applied only
// on the first slab, and several mc blocks of rows.
func TestSgemmDeepK(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	defer func() { inPlaceMode = 0 }()
	for _, kern := range testKernels() {
		for _, mode := range []int{1, 2} {
			inPlaceMode = mode
			for _, tA := range transposes {
				for _, tB := range transposes {
					checkCase(t, kern, tA, tB, shape{37, 41, 1100}, 1, 0.5, 1, rng)
					checkCase(t, kern, tA, tB, shape{37, 41, 1100}, -1, 0, 0, rng)
					checkCase(t, kern, tA, tB, shape{263, 35, 300}, 1, 1, 2, rng)
				}
			}
		}
	}
}

// TestSgemmWideN crosses the nc block boundary of every kernel.
func TestSgemmWideN(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, kern := range testKernels() {
		checkCase(t, kern, blas.NoTrans, blas.Trans, shape{7, 2100, 9}, 1, 1, 2, rng)
		checkCase(t, kern, blas.Trans, blas.NoTrans, shape{7, 2100, 9}, 1, 0, 0, rng)
	}
}

func TestSgemmModelShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sh := range benchShapes {
		if sh.m*sh.n*sh.k > 1<<24 {
			continue // the float64 reference would take too long
		}
		for _, kern := range testKernels() {
			checkCase(t, kern, sh.tA, sh.tB, shape{sh.m, sh.n, sh.k}, 1, 0, 0, rng)
		}
	}
}

// TestSgemmQuickReturns checks alpha == 0 and k == 0, which only scale C,
// and m == 0 or n == 0, which touch nothing.
func TestSgemmQuickReturns(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	Sgemm(blas.NoTrans, blas.NoTrans, 2, 2, 3, 0, make([]float32, 6), 3, make([]float32, 6), 2, 2, c, 2)
	require.Equal(t, "[2 4 6 8]", fmt.Sprint(c), "alpha=0, beta=2: C")
	Sgemm(blas.NoTrans, blas.NoTrans, 2, 2, 0, 1, make([]float32, 1), 1, nil, 2, 0.5, c, 2)
	require.Equal(t, "[1 2 3 4]", fmt.Sprint(c), "k=0, beta=0.5: C")
	nan := float32(math.NaN())
	c = []float32{nan, nan}
	Sgemm(blas.NoTrans, blas.NoTrans, 1, 2, 0, 1, nil, 1, nil, 2, 0, c, 2)
	require.Equal(t, "[0 0]", fmt.Sprint(c), "k=0, beta=0 over NaN: C")
	Sgemm(blas.NoTrans, blas.NoTrans, 0, 2, 2, 1, nil, 2, make([]float32, 4), 2, 0, nil, 2)
}

// TestSgemmPanicsLikeGonum checks that invalid arguments panic with the
// same message as gonum's Sgemm.
func TestSgemmPanicsLikeGonum(t *testing.T) {
	type args struct {
		tA, tB     blas.Transpose
		m, n, k    int
		a          []float32
		lda        int
		b          []float32
		ldb        int
		c          []float32
		ldc        int
		wantSubstr string
	}
	f := func(n int) []float32 { return make([]float32, n) }
	cases := []args{
		{'X', blas.NoTrans, 2, 2, 2, f(4), 2, f(4), 2, f(4), 2, "transpose"},
		{blas.NoTrans, 'X', 2, 2, 2, f(4), 2, f(4), 2, f(4), 2, "transpose"},
		{blas.NoTrans, blas.NoTrans, -1, 2, 2, f(4), 2, f(4), 2, f(4), 2, "m < 0"},
		{blas.NoTrans, blas.NoTrans, 2, -1, 2, f(4), 2, f(4), 2, f(4), 2, "n < 0"},
		{blas.NoTrans, blas.NoTrans, 2, 2, -1, f(4), 2, f(4), 2, f(4), 2, "k < 0"},
		{blas.NoTrans, blas.NoTrans, 2, 2, 3, f(6), 2, f(6), 2, f(4), 2, "leading dimension of A"},
		{blas.Trans, blas.NoTrans, 3, 2, 2, f(6), 2, f(4), 2, f(6), 2, "leading dimension of A"},
		{blas.NoTrans, blas.NoTrans, 2, 3, 2, f(4), 2, f(6), 2, f(6), 3, "leading dimension of B"},
		{blas.NoTrans, blas.Trans, 2, 2, 3, f(6), 3, f(6), 2, f(4), 2, "leading dimension of B"},
		{blas.NoTrans, blas.NoTrans, 2, 3, 2, f(4), 2, f(6), 3, f(6), 2, "leading dimension of C"},
		{blas.NoTrans, blas.NoTrans, 2, 2, 2, f(3), 2, f(4), 2, f(4), 2, "length of a"},
		{blas.Trans, blas.Trans, 2, 2, 2, f(4), 2, f(3), 2, f(4), 2, "length of b"},
		{blas.NoTrans, blas.NoTrans, 2, 2, 2, f(4), 2, f(4), 2, f(3), 2, "length of c"},
	}
	catch := func(fn func()) (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		fn()
		return ""
	}
	for i, a := range cases {
		got := catch(func() {
			Sgemm(a.tA, a.tB, a.m, a.n, a.k, 1, a.a, a.lda, a.b, a.ldb, 0, a.c, a.ldc)
		})
		want := catch(func() {
			gonum.Implementation{}.Sgemm(a.tA, a.tB, a.m, a.n, a.k, 1, a.a, a.lda, a.b, a.ldb, 0, a.c, a.ldc)
		})
		assert.NotEmpty(t, got, "case %d (%s): panic", i, a.wantSubstr)
		assert.Equal(t, want, got, "case %d (%s): panic, against gonum's", i, a.wantSubstr)
	}
}

// TestSgemmNoAllocs checks that a warm Sgemm allocates nothing, split
// across cores or not.
func TestSgemmNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, sh := range []shape{{64, 256, 784}, {8, 8, 8}, {20, 20, 20}} {
		a := randSlice(rng, sh.m*sh.k)
		b := randSlice(rng, sh.k*sh.n)
		c := make([]float32, sh.m*sh.n)
		f := func() { Sgemm(blas.NoTrans, blas.Trans, sh.m, sh.n, sh.k, 1, a, sh.k, b, sh.k, 0, c, sh.n) }
		f()
		assert.Zero(t, testing.AllocsPerRun(50, f), "%v: allocations per call", sh)
	}
}

// TestSgemmConcurrent runs products from several goroutines at once, so
// that some find the workers busy and compute their blocks inline.
func TestSgemmConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const m, n, k = 70, 90, 130
	a := randSlice(rng, m*k)
	b := randSlice(rng, k*n)
	want := make([]float32, m*n)
	gonum.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, want, n)
	withThresholds(smallWork, 0, func() {
		errs := make(chan error, 8)
		for g := 0; g < 8; g++ {
			go func() {
				c := make([]float32, m*n)
				for it := 0; it < 50; it++ {
					Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
					for i := range c {
						if d := math.Abs(float64(c[i] - want[i])); d > 1e-3*(1+math.Abs(float64(want[i]))) {
							errs <- fmt.Errorf("goroutine %d iteration %d: C[%d] = %v, want %v", g, it, i, c[i], want[i])
							return
						}
					}
				}
				errs <- nil
			}()
		}
		for range 8 {
			assert.NoError(t, <-errs)
		}
	})
}

// TestSetThreads checks that SetThreads(1) keeps a large product on its
// caller, that more threads share it, and that results stay right.
func TestSetThreads(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(13, 14))
	sh := shape{130, 140, 150}
	require.GreaterOrEqual(t, sh.m*sh.n*sh.k, parallelWork, "work of a shape that must be shared")
	for _, n := range []int{1, 2, 0} {
		SetThreads(n)
		before := sharedProducts.Load()
		checkCase(t, packedKernels()[0], blas.NoTrans, blas.Trans, sh, 1, 0, 1, rng)
		shared := sharedProducts.Load() > before
		if n == 1 {
			assert.False(t, shared, "SetThreads(1): product was shared across cores")
		} else if min(runtime.NumCPU(), runtime.GOMAXPROCS(0)) > 1 {
			assert.True(t, shared, "SetThreads(%d): product was not shared", n)
		}
	}
}

// TestSgemmSerial checks that SgemmSerial never shares a product that
// Sgemm would share, and that it computes the same bits.
func TestSgemmSerial(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	m, n, k := 130, 140, 150
	require.GreaterOrEqual(t, m*n*k, parallelWork, "work of a shape that must be shared")
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = rng.Float32() - 0.5
	}
	for i := range b {
		b[i] = rng.Float32() - 0.5
	}
	want, got := make([]float32, m*n), make([]float32, m*n)
	sgemm(serialKernel, blas.NoTrans, blas.Trans, m, n, k, 1, a, k, b, k, 0, want, n)
	before := sharedProducts.Load()
	SgemmSerial(blas.NoTrans, blas.Trans, m, n, k, 1, a, k, b, k, 0, got, n)
	assert.Equal(t, before, sharedProducts.Load(), "SgemmSerial shared its product across cores")
	if serialKernel.external == nil {
		assert.True(t, slices.Equal(want, got), "SgemmSerial and Sgemm with the %s kernel differ", serialKernel.name)
	}

	// Concurrent callers (a convolution's chunks) each get the same bits.
	var wg sync.WaitGroup
	outs := make([][]float32, 4)
	for i := range outs {
		outs[i] = make([]float32, m*n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			SgemmSerial(blas.NoTrans, blas.Trans, m, n, k, 1, a, k, b, k, 0, outs[i], n)
		}()
	}
	wg.Wait()
	for i, o := range outs {
		assert.True(t, slices.Equal(got, o), "concurrent SgemmSerial %d differs", i)
	}
}

// TestSerialKernel: SgemmSerial uses Sgemm's kernel in every build,
// OpenBLAS included, which runs single-threaded (TestOpenBLASOneThread).
func TestSerialKernel(t *testing.T) {
	assert.Same(t, active, serialKernel, "SgemmSerial uses %s, Sgemm %s", SerialKernel(), Kernel())
}
