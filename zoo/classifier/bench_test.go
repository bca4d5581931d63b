package classifier

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkTrainStep measures one update of the default classifier (the
// network behind eval's embedded weights) at batch 64.
func BenchmarkTrainStep(b *testing.B) {
	m, err := New(Config{}, 1)
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewStep(m, TrainConfig{}, 1)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	images := randomImages(rng, 64, m.Config.Pixels())
	labels := make([]int, 64)
	for i := range labels {
		labels[i] = rng.IntN(m.Config.Classes)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := s.Run(images, labels); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "images/s")
}
