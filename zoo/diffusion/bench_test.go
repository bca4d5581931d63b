package diffusion

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkTrainStep times one training step of the preset's U-Net on a
// batch of MNIST-sized images (random pixels: the cost does not depend on
// them).
func BenchmarkTrainStep(b *testing.B) {
	r := Preset()
	m, err := New(r.Config, 1)
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewStep(m, r.Train, 1)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	images := make([]float32, s.Batch()*r.Config.Pixels())
	for i := range images {
		images[i] = 2*rng.Float32() - 1
	}
	b.ResetTimer()
	for range b.N {
		if _, err := s.Run(images, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*s.Batch())/b.Elapsed().Seconds(), "images/s")
}
