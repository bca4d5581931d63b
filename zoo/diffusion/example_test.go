package diffusion_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
)

// Load a checkpoint and draw images with DDIM, with DDPM, and of one class
// with classifier-free guidance. Images come back one after another,
// pixels in [0, 1]; the same seed gives the same images.
func ExampleLoad() {
	if err := drawFromCheckpoint(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 4 2 3 images of 784 pixels
	// same seed, same images: true
}

func drawFromCheckpoint() error {
	dir, err := os.MkdirTemp("", "diffusion-example")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// A fresh small conditional model stands in for a checkpoint written by
	// train-diffusion -classes 10.
	m, err := diffusion.New(diffusion.Config{T: 100, UNet: diffusion.UNetConfig{Channels: []int{8, 8}, Classes: 10}}, 1)
	if err != nil {
		return err
	}
	step, err := diffusion.NewStep(m, diffusion.TrainConfig{Batch: 8}, 1)
	if err != nil {
		return err
	}
	c, err := trainer.Checkpoint(step, 0, 0, 1, nil)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "model.safetensors") // e.g. runs/diffusion-…/checkpoints/ckpt-000002345.safetensors
	if err := checkpoints.Save(path, c); err != nil {
		return err
	}

	s, err := diffusion.Load(path)
	if err != nil {
		return err
	}
	ctx := context.Background()
	settings := []struct {
		n, class int
		sc       diffusion.SampleConfig
	}{
		{4, -1, diffusion.SampleConfig{Steps: 10}},              // random classes, 10 DDIM steps, η = 1
		{2, -1, diffusion.SampleConfig{Method: diffusion.DDPM}}, // all T = 100 steps
		{3, 7, diffusion.SampleConfig{Steps: 10, Guidance: 3}},  // digit 7, guidance w = 3
		{4, -1, diffusion.SampleConfig{Steps: 10}},              // the first draw again
	}
	var draws [][]float32
	for _, d := range settings {
		imgs, err := s.Sample(ctx, d.n, 1, d.class, d.sc)
		if err != nil {
			return err
		}
		draws = append(draws, imgs)
	}
	pixels := s.Config().Pixels()
	fmt.Println(len(draws[0])/pixels, len(draws[1])/pixels, len(draws[2])/pixels, "images of", pixels, "pixels")
	fmt.Println("same seed, same images:", slices.Equal(draws[0], draws[3]))
	return nil
}
