package gan

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
		return nil, fmt.Errorf("gan: checkpoint's model config: %w", err)
	}
	m, err := New(cfg, 0)
	if err != nil {
		return nil, fmt.Errorf("gan: checkpoint's model config: %w", err)
	}
	if err := c.LoadParams(Kind, m.Params()); err != nil {
		return nil, err
	}
	return m, nil
}

// LoadGenerator loads a GAN checkpoint file and returns its generator,
// ready to draw images:
//
//	g, err := gan.LoadGenerator("runs/gan/checkpoints/ckpt-000028110.safetensors")
//	imgs, err := g.Generate(16, 1) // 16 images, pixels in [0, 1]
func LoadGenerator(path string) (*Generator, error) {
	c, err := checkpoints.Load(path)
	if err != nil {
		return nil, err
	}
	m, err := FromCheckpoint(c)
	if err != nil {
		return nil, err
	}
	return NewGenerator(m), nil
}
