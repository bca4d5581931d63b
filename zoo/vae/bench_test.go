package vae

import (
	"testing"

	"github.com/gorgozoo/gorgozoo/datasets"
)

// BenchmarkTrainStep measures one training step (forward, ELBO gradient,
// Adam update) at the default batch of 128: the default MLP VAE, the
// figure to compare with the PyTorch peer's vae_mlp.py, and the conv VAE.
func BenchmarkTrainStep(b *testing.B) {
	b.Run("mlp", func(b *testing.B) { benchmarkTrainStep(b, Config{}) })
	b.Run("conv", func(b *testing.B) { benchmarkTrainStep(b, Config{Arch: ArchConv}) })
	b.Run("conv-attn", func(b *testing.B) { benchmarkTrainStep(b, Config{Arch: ArchConvAttn}) })
}

func benchmarkTrainStep(b *testing.B, cfg Config) {
	const batch = 128
	m, err := New(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewStep(m, TrainConfig{Batch: batch}, 1)
	if err != nil {
		b.Fatal(err)
	}
	loader, err := datasets.NewLoader(datasets.Synthetic(10*batch, 1), batch, 1, datasets.ScaleUnit)
	if err != nil {
		b.Fatal(err)
	}
	images := make([]float32, batch*m.Config.Pixels())
	if err := loader.Fill(0, 0, images, nil); err != nil {
		b.Fatal(err)
	}
	// The first run allocates the machine's buffers; keep it out of the
	// per-step figures.
	if _, err := s.Run(images, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := s.Run(images, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkInference measures encoding then decoding 1000 images (the
// reconstruction path) through the pooled inference graphs.
func BenchmarkInference(b *testing.B) {
	const n = 1000
	m, err := New(Config{}, 1)
	if err != nil {
		b.Fatal(err)
	}
	f := NewInference(m)
	loader, err := datasets.NewLoader(datasets.Synthetic(n, 1), n, 1, datasets.ScaleUnit)
	if err != nil {
		b.Fatal(err)
	}
	images := make([]float32, n*m.Config.Pixels())
	if err := loader.Fill(0, 0, images, nil); err != nil {
		b.Fatal(err)
	}
	// Warm the pool so that graph construction is not timed.
	if _, _, err := f.Encode(images[:m.Config.Pixels()], nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		mu, _, err := f.Encode(images, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Decode(mu, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
}
