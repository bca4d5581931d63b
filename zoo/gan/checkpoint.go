package gan

import (
	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// FromCheckpoint rebuilds the model saved in c: its architecture from the
// metadata, its parameters from the tensors.
func FromCheckpoint(c *checkpoints.Checkpoint) (*Model, error) {
	return checkpoints.Rebuild(c, Kind, func(cfg Config) (*Model, error) { return New(cfg, 0) }, (*Model).Params)
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
