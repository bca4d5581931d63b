package gan

import (
	"testing"

	"github.com/gorgozoo/gorgozoo/datasets"
)

// BenchmarkTrainStep measures one D+G update of each architecture, with
// train-gan's defaults (EMA included), at the default batch on real-looking data.
func BenchmarkTrainStep(b *testing.B) {
	b.Run("mlp", func(b *testing.B) { benchStep(b, Config{}, TrainConfig{}) })
	// the PyTorch peer's recipe (cmd/bench's "gan-textbook" row): no
	// packing, dropout or weight average
	b.Run("mlp-textbook", func(b *testing.B) { benchStep(b, Config{DDropout: -1, DPack: 1, EMA: -1}, TrainConfig{}) })
	b.Run("dcgan", func(b *testing.B) { benchStep(b, Config{Arch: "dcgan"}, TrainConfig{}) })
	b.Run("sagan", func(b *testing.B) {
		benchStep(b, Config{Arch: "sagan"}, TrainConfig{LRD: 4e-4, LRG: 1e-4, Beta1: -1, Beta2: 0.9})
	})
}

func benchStep(b *testing.B, cfg Config, tc TrainConfig) {
	m, err := New(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewStep(m, tc, 1)
	if err != nil {
		b.Fatal(err)
	}
	loader, err := datasets.NewLoader(datasets.Synthetic(640, 1), 64, 1, datasets.ScaleSigned)
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]float32, 64*784)
	if err := loader.Fill(0, 0, batch, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := s.Run(batch, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkGenerate measures drawing 1000 images.
func BenchmarkGenerate(b *testing.B) {
	m, err := New(Config{}, 1)
	if err != nil {
		b.Fatal(err)
	}
	g := NewGenerator(m)
	b.ReportAllocs()
	for i := range b.N {
		if _, err := g.Generate(1000, uint64(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "images/s")
}
