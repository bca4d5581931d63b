package vae

import (
	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// FromCheckpoint rebuilds the model saved in c: its architecture from the
// metadata, its parameters from the tensors.
// It refuses a configuration that needs more than
// graphs.DefaultMaxMemory (see [Config.Footprint]) before allocating
// anything, and parameters that are not finite.
func FromCheckpoint(c *checkpoints.Checkpoint) (*Model, error) {
	return FromCheckpointWithin(c, 0)
}

// FromCheckpointWithin is FromCheckpoint with a memory limit of maxMemory
// bytes (0: graphs.DefaultMaxMemory), as Config.MaxMemory.
func FromCheckpointWithin(c *checkpoints.Checkpoint, maxMemory int64) (*Model, error) {
	return checkpoints.Rebuild(c, Kind, func(cfg Config) (*Model, error) {
		cfg.MaxMemory = maxMemory
		return New(cfg, 0)
	}, (*Model).Params)
}

// Load loads a VAE checkpoint file, or a run folder's latest checkpoint,
// and returns it ready for inference:
//
//	v, err := vae.Load("runs/vae/checkpoints/ckpt-000004680.safetensors")
//	mu, logvar, err := v.Encode(images, nil) // images: n×784 pixels in [0, 1]; nil: no labels
//	recon, err := v.Reconstruct(images, nil)
//	samples, err := v.Sample(16, 1)
func Load(path string) (*Inference, error) {
	c, _, err := checkpoints.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := FromCheckpoint(c)
	if err != nil {
		return nil, err
	}
	return NewInference(m), nil
}
