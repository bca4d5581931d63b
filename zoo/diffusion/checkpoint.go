package diffusion

import (
	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// FromCheckpoint rebuilds the model saved in c: its configuration from the
// metadata, its parameters from the tensors. It refuses a configuration
// that needs more than graphs.DefaultMaxMemory (see [Config.Footprint])
// before allocating anything, and parameters that are not finite.
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

// Load loads a diffusion checkpoint file, or a run folder's latest
// checkpoint, and returns its sampler:
//
//	s, err := diffusion.Load("runs/diffusion/checkpoints/ckpt-000004680.safetensors")
//	imgs, err := s.Sample(ctx, 16, 1, -1, diffusion.SampleConfig{}) // DDIM, 50 steps, η = 1
func Load(path string) (*Sampler, error) {
	c, _, err := checkpoints.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := FromCheckpoint(c)
	if err != nil {
		return nil, err
	}
	return NewSampler(m), nil
}
