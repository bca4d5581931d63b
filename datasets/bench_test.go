package datasets

import (
	"fmt"
	"testing"
)

// BenchmarkLoaderFill measures converting one MNIST-sized batch (28×28
// bytes → float32, shuffled order) into a caller-owned buffer: the data
// cost a training step pays per batch. It should report 0 allocs/op.
func BenchmarkLoaderFill(b *testing.B) {
	for _, batch := range []int{64, 128} {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			set := Synthetic(60*batch, 1)
			l, err := NewLoader(set, batch, 1, ScaleSigned)
			if err != nil {
				b.Fatal(err)
			}
			images := make([]float32, batch*set.H*set.W)
			labels := make([]int, batch)
			n := l.BatchesPerEpoch()
			// Fill once so the first epoch's shuffle is not timed.
			if err := l.Fill(0, 0, images, labels); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				// Stay within one epoch: a new epoch reshuffles, which
				// a real loop pays once per N/batch batches, not per batch.
				if err := l.Fill(0, i%n, images, labels); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
