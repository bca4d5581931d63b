package vae_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// saveUntrained writes the checkpoint of a fresh default VAE, standing in
// for one written by train-vae.
func saveUntrained(dir string) (string, error) {
	m, err := vae.New(vae.Config{}, 1)
	if err != nil {
		return "", err
	}
	s, err := vae.NewStep(m, vae.TrainConfig{}, 1)
	if err != nil {
		return "", err
	}
	c, err := trainer.Checkpoint(s, 0, 0, 1, nil)
	if err != nil {
		return "", err
	}
	return checkpoints.Dir{Path: dir}.Save(c)
}

// Load a checkpoint and encode, decode, reconstruct and sample with it.
// Every method takes and returns plain []float32: images one after another,
// pixels in [0, 1].
func ExampleLoad() {
	dir, err := os.MkdirTemp("", "vae-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path, err := saveUntrained(dir) // e.g. runs/vae-…/checkpoints/ckpt-000004680.safetensors
	if err != nil {
		fmt.Println(err)
		return
	}

	v, err := vae.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := v.Config()
	images := make([]float32, 3*cfg.Pixels()) // three blank 28×28 images
	mu, logvar, err := v.Encode(images, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	recon, err := v.Reconstruct(images, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	samples, err := v.Sample(16, 42) // 16 decoded prior draws; same seed, same images
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("file:", filepath.Base(path))
	fmt.Printf("latent size %d: μ %d values, log σ² %d values\n", cfg.Z, len(mu), len(logvar))
	fmt.Printf("reconstructions: %d images\n", len(recon)/cfg.Pixels())
	fmt.Printf("samples: %d images of %dx%d\n", len(samples)/cfg.Pixels(), cfg.Height, cfg.Width)
	// Output:
	// file: ckpt-000000000.safetensors
	// latent size 20: μ 60 values, log σ² 60 values
	// reconstructions: 3 images
	// samples: 16 images of 28x28
}

// Decode chosen latent points: here the origin and one step along the
// first axis. Pixels are the decoder's Bernoulli means, within [0, 1].
func ExampleInference_Decode() {
	m, err := vae.New(vae.Config{Z: 2}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	v := vae.NewInference(m)
	imgs, err := v.Decode([]float32{0, 0, 1, 0}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	lo, hi := imgs[0], imgs[0]
	for _, p := range imgs {
		lo, hi = min(lo, p), max(hi, p)
	}
	fmt.Println(len(imgs)/784, "images; pixels within [0, 1]:", lo >= 0 && hi <= 1)
	// Output: 2 images; pixels within [0, 1]: true
}

// The convolutional VAE with self-attention: only the architecture name
// changes; encoding, decoding and sampling are the MLP's API.
func ExampleNew_convAttention() {
	m, err := vae.New(vae.Config{Arch: vae.ArchConvAttn}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Config.Channels, m.Params().Find("enc.attn.gamma").Shape())
	inf := vae.NewInference(m)
	images := make([]float32, 2*784) // two blank images, pixels in [0, 1]
	mu, _, err := inf.Encode(images, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	samples, err := inf.Sample(3, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(mu), "latent values,", len(samples), "sampled pixels")
	// Output:
	// [32 64] [1]
	// 40 latent values, 2352 sampled pixels
}
