package gan

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
		cfg = cfg.saved()
		cfg.MaxMemory = maxMemory
		return New(cfg, 0)
	}, (*Model).Params)
}

// saved returns the configuration a checkpoint's config stands for. A
// saved config went through WithDefaults, so a zero in it was a setting,
// not a default left to fill: checkpoints written while zero meant "none"
// for the dropout and the average, and "single images" for the pack, keep
// those meanings.
func (c Config) saved() Config {
	if c.DDropout == 0 {
		c.DDropout = -1
	}
	if c.EMA == 0 {
		c.EMA = -1
	}
	if c.DPack == 0 {
		c.DPack = 1
	}
	if c.DSlope == 0 {
		c.DSlope = -1
	}
	if c.Cond == "" && c.Classes > 0 && (c.Arch == "" || c.Arch == "mlp") {
		c.Cond = CondJoined // saved before the modes existed
	}
	if c.GCond == "" && c.Classes > 0 && (c.Arch == "" || c.Arch == "mlp") {
		// saved before G had modes of its own: the label joined to every
		// layer with CondEvery, to z alone otherwise
		c.GCond = GCondInput
		if c.Cond == CondEvery {
			c.GCond = GCondEvery
		}
	}
	return c
}

// LoadGenerator loads a GAN checkpoint file, or a run folder's latest
// checkpoint, and returns its generator, ready to draw images:
//
//	g, err := gan.LoadGenerator("runs/gan/checkpoints/ckpt-000028110.safetensors")
//	imgs, err := g.Generate(16, 1) // 16 images, pixels in [0, 1]
func LoadGenerator(path string) (*Generator, error) {
	c, _, err := checkpoints.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := FromCheckpoint(c)
	if err != nil {
		return nil, err
	}
	return NewGenerator(m), nil
}
