//go:build loadtest

package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestLoad sends 2,000 generation requests (16 images each from the MLP
// GAN of a dry run) at a concurrency of 32 on loopback, once with the
// default queue, where the requests beyond it get 429, and once with a
// queue as deep as the concurrency, where none should. It logs the
// latency's median and 99th percentile and the peak heap, and checks that
// no request fails otherwise and that the heap returns to its level after
// the warm-up. Run it alone, on a quiet machine:
//
//	go test -tags loadtest -run TestLoad -v ./server/
func TestLoad(t *testing.T) {
	const requests, concurrency = 2000, 32
	root := dryRuns(t)
	for _, queue := range []int{0, concurrency} {
		t.Run(fmt.Sprintf("queue=%d", queue), func(t *testing.T) {
			s, _ := newServer(t, root, Config{Queue: queue})
			ts := httptest.NewServer(s.Handler())
			defer ts.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
			get := func() (int, time.Duration) {
				start := time.Now()
				res, err := client.Get(ts.URL + "/api/generate?model=gan&n=16&seed=7")
				require.NoError(t, err)
				_, err = io.Copy(io.Discard, res.Body)
				require.NoError(t, err)
				res.Body.Close()
				return res.StatusCode, time.Since(start)
			}
			// Warm up: load the model and fill the engine pools.
			var wg sync.WaitGroup
			for range s.cfg.Workers {
				wg.Go(func() { get() })
			}
			wg.Wait()
			startHeap := heap()

			var peak atomic.Uint64
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				for {
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					if m.HeapAlloc > peak.Load() {
						peak.Store(m.HeapAlloc)
					}
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
					}
				}
			}()
			var next atomic.Int64
			latencies := make([]time.Duration, requests)
			codes := make([]int, requests)
			began := time.Now()
			for range concurrency {
				wg.Go(func() {
					for i := next.Add(1) - 1; i < requests; i = next.Add(1) - 1 {
						codes[i], latencies[i] = get()
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(began)
			close(stop)
			<-sampled

			count := map[int]int{}
			var ok []time.Duration
			for i, c := range codes {
				count[c]++
				if c == http.StatusOK {
					ok = append(ok, latencies[i])
				}
			}
			slices.Sort(ok)
			pct := func(p float64) time.Duration { return ok[min(len(ok)-1, int(p*float64(len(ok))))] }
			endHeap := heap()
			t.Logf("%d requests at concurrency %d, workers %d, queue %d: %v in %v; 200 latency p50 %v p99 %v; heap after warm-up %.1f MiB, peak %.1f MiB, after %.1f MiB",
				requests, concurrency, s.cfg.Workers, s.cfg.Queue, count, elapsed.Round(time.Millisecond),
				pct(0.50).Round(100*time.Microsecond), pct(0.99).Round(100*time.Microsecond),
				mib(startHeap), mib(peak.Load()), mib(endHeap))
			require.Equal(t, requests, count[http.StatusOK]+count[http.StatusTooManyRequests], "only 200 and 429")
			if queue == concurrency {
				require.Equal(t, requests, count[http.StatusOK], "a queue as deep as the concurrency refuses none")
			}
			require.Less(t, endHeap, startHeap+32<<20, "the heap returns to its level after the warm-up")
		})
	}
}

// heap returns the live heap after a collection.
func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
