package gemm

import "testing"

// BenchmarkTile measures each micro-kernel alone on L1-resident panels:
// the ceiling the blocked driver can approach.
func BenchmarkTile(b *testing.B) {
	for _, k := range packedKernels() {
		b.Run(k.name, func(b *testing.B) {
			const kc = 256
			a := make([]float32, kc*k.mr)
			bp := make([]float32, kc*k.nr)
			c := make([]float32, k.mr*k.nr)
			for b.Loop() {
				k.tile(kc, a, bp, c, k.nr, 1, 0)
			}
			b.ReportMetric(2*float64(kc*k.mr*k.nr)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
