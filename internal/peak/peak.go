package peak

import (
	"runtime"
	"sync"
	"time"
)

// Result is a measured peak.
type Result struct {
	FLOPS   float64 // float32 floating-point operations per second, all threads together
	Kernel  string  // the loop that reached it: "avx512", "avx2" or "go"
	Threads int
}

// kernel is one FMA loop: run does n iterations of its chains and returns
// the sum of every lane of every accumulator, n·a·b per lane, which lets a
// test check flopsPerIter.
type kernel struct {
	name         string
	flopsPerIter float64
	run          func(n int, a, b float32) float32
}

// goKernel is the portable loop: 8 independent scalar chains.
var goKernel = kernel{name: "go", flopsPerIter: 8 * 2, run: fmaGo}

func fmaGo(n int, a, b float32) float32 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	for range n {
		s0 += a * b
		s1 += a * b
		s2 += a * b
		s3 += a * b
		s4 += a * b
		s5 += a * b
		s6 += a * b
		s7 += a * b
	}
	return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7
}

// kernels lists the loops this build can run on this CPU, best first.
func kernels() []kernel {
	if ks := archKernels(); len(ks) > 0 {
		return ks
	}
	return []kernel{goKernel}
}

// chunk is the iterations of one timed call: a fraction of a millisecond,
// short enough that some calls run undisturbed on a busy machine, and
// small enough that the accumulators (which count to chunk·a·b) stay
// exact in float32.
const chunk = 1 << 16

// Measure runs the CPU's FMA loops on threads threads at once (each on an
// OS thread of its own) for about d in all, and returns the best: for each
// loop, the sum over the threads of each thread's fastest call, which is
// what the cores reach when nothing else runs. threads < 1 means 1.
func Measure(threads int, d time.Duration) Result {
	threads = max(threads, 1)
	ks := kernels()
	best := Result{Kernel: ks[0].name, Threads: threads}
	for _, k := range ks {
		if r := measure(k, threads, d/time.Duration(len(ks))); r > best.FLOPS {
			best.FLOPS, best.Kernel = r, k.name
		}
	}
	return best
}

// measure returns the sum over threads of each one's best rate of k.
func measure(k kernel, threads int, d time.Duration) float64 {
	rates := make([]float64, threads)
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for i := range rates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			k.run(chunk, 1, 1) // warm the core up
			for {
				t0 := time.Now()
				k.run(chunk, 1, 1)
				if el := time.Since(t0).Seconds(); el > 0 {
					rates[i] = max(rates[i], chunk*k.flopsPerIter/el)
				}
				if time.Now().After(deadline) {
					return
				}
			}
		}()
	}
	wg.Wait()
	var sum float64
	for _, r := range rates {
		sum += r
	}
	return sum
}
