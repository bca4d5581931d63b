package gemm

import (
	"fmt"
	"testing"
)

// BenchmarkPack measures packing alone, in elements per nanosecond.
func BenchmarkPack(b *testing.B) {
	const m, n, k = 64, 256, 256
	src := make([]float32, 784*784)
	for _, kern := range packedKernels() {
		for _, tr := range []bool{false, true} {
			p := &problem{aTrans: tr, bTrans: tr, m: m, n: n, k: k, a: src, lda: 784, b: src, ldb: 784}
			dst := make([]float32, roundUp(n, kern.nr)*k+roundUp(m, kern.mr)*k)
			b.Run(fmt.Sprintf("%s/B/trans=%v", kern.name, tr), func(b *testing.B) {
				for b.Loop() {
					packB(p, dst, 0, 0, k, n, kern.nr)
				}
				b.ReportMetric(float64(n*k)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "elem/ns")
			})
			b.Run(fmt.Sprintf("%s/A/trans=%v", kern.name, tr), func(b *testing.B) {
				for b.Loop() {
					packA(p, dst, 0, 0, m, k, kern.mr)
				}
				b.ReportMetric(float64(m*k)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "elem/ns")
			})
		}
	}
}
