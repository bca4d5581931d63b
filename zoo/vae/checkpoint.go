package vae

import (
	"encoding/json"
	"fmt"

	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// FromCheckpoint rebuilds the model saved in c: its architecture from the
// metadata, its parameters from the tensors.
func FromCheckpoint(c *checkpoints.Checkpoint) (*Model, error) {
	if c.Meta.Kind != Kind {
		return nil, c.Expect(Kind, nil)
	}
	var cfg Config
	if err := json.Unmarshal(c.Meta.Config, &cfg); err != nil {
		return nil, fmt.Errorf("vae: checkpoint's model config: %w", err)
	}
	m, err := New(cfg, 0)
	if err != nil {
		return nil, fmt.Errorf("vae: checkpoint's model config: %w", err)
	}
	if err := c.LoadParams(Kind, m.Params()); err != nil {
		return nil, err
	}
	return m, nil
}

// Load loads a VAE checkpoint file and returns it ready for inference:
//
//	v, err := vae.Load("runs/vae/checkpoints/ckpt-000004680.safetensors")
//	mu, logvar, err := v.Encode(images) // images: n×784 pixels in [0, 1]
//	recon, err := v.Reconstruct(images)
//	samples, err := v.Sample(16, 1)
func Load(path string) (*Inference, error) {
	c, err := checkpoints.Load(path)
	if err != nil {
		return nil, err
	}
	m, err := FromCheckpoint(c)
	if err != nil {
		return nil, err
	}
	return NewInference(m), nil
}
