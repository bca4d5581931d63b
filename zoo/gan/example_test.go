package gan_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// Load a generator from a checkpoint and draw images. The checkpoint here
// is written from a fresh model, standing in for one written by train-gan.
func ExampleLoadGenerator() {
	dir, err := os.MkdirTemp("", "gan-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	m, err := gan.New(gan.Config{}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	step, err := gan.NewStep(m, gan.TrainConfig{}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := trainer.Checkpoint(step, 0, 0, 1, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	path, err := checkpoints.Dir{Path: dir}.Save(c)
	if err != nil {
		fmt.Println(err)
		return
	}

	g, err := gan.LoadGenerator(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	imgs, err := g.Generate(16, 7) // 16 images, pixels in [0, 1]
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := g.Config()
	again, err := gan.NewGenerator(m).Generate(16, 7)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("file:", filepath.Base(path))
	fmt.Printf("%d images of %dx%d\n", len(imgs)/cfg.Pixels(), cfg.Height, cfg.Width)
	fmt.Println("same images as the model it was saved from:", slices.Equal(imgs, again))
	// Output:
	// file: ckpt-000000000.safetensors
	// 16 images of 28x28
	// same images as the model it was saved from: true
}

// Map chosen latent vectors to images: FromNoise takes n×Z values.
func ExampleGenerator_FromNoise() {
	m, err := gan.New(gan.Config{Z: 4, GHidden: []int{32}}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	g := gan.NewGenerator(m)
	z := []float32{0, 0, 0, 0, 1, -1, 0.5, 2} // two latent vectors
	// No labels: the model is unconditional.
	imgs, err := g.FromNoise(z, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	inRange := true
	for _, p := range imgs {
		inRange = inRange && p >= 0 && p <= 1
	}
	fmt.Println(len(imgs)/g.Config().Pixels(), "images; pixels within [0, 1]:", inRange)
	// Output: 2 images; pixels within [0, 1]: true
}

// Build SAGAN, train it for a few steps on a batch and sample from it. The
// architecture is a Config field; the step, the sampler and checkpoints
// are the same for every architecture.
func ExampleNew_sagan() {
	m, err := gan.New(gan.Config{Arch: "sagan"}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Config.Loss, m.Config.DNorm, len(m.SpectralNorms()), "normalised layers in D")
	step, err := gan.NewStep(m, gan.TrainConfig{Batch: 8, LRD: 1e-3, LRG: 5e-4, Beta1: -1, Beta2: 0.9}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	real := make([]float32, 8*784) // a real batch scaled to [-1, 1]; all black here
	for i := range real {
		real[i] = -1
	}
	for range 3 {
		if _, err := step.Run(real, nil); err != nil {
			fmt.Println(err)
			return
		}
	}
	imgs, err := gan.NewGenerator(m).Generate(4, 7)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(imgs), "pixels")
	// Output:
	// hinge spectral 7 normalised layers in D
	// 3136 pixels
}
