package checkpoints

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// FromParams returns the parameters as tensors. The tensors alias the
// parameters' data: save them before the parameters change.
func FromParams(ps graphs.Params) []Tensor {
	out := make([]Tensor, len(ps))
	for i, p := range ps {
		out[i] = Tensor{Name: p.Name, Shape: p.Shape(), Data: p.Float32s()}
	}
	return out
}

// LoadParams checks that c holds a kind model with every parameter of ps at
// its shape, then copies the values in.
func (c *Checkpoint) LoadParams(kind string, ps graphs.Params) error {
	if err := c.Expect(kind, ps.Shapes()); err != nil {
		return err
	}
	for _, p := range ps {
		t, _ := c.Find(p.Name)
		if len(t.Data) != len(p.Float32s()) {
			return fmt.Errorf("checkpoints: checkpoint %s: tensor %q holds %d values, want %d", c.describe(), p.Name, len(t.Data), len(p.Float32s()))
		}
		copy(p.Float32s(), t.Data)
	}
	return nil
}

// Rebuild makes the model a checkpoint of the given kind holds: its
// configuration from the metadata (decoded into a C), the model from
// newModel, and the parameters, checked by name and shape, from the
// tensors. Every model package's FromCheckpoint is this call.
func Rebuild[C any, M any](c *Checkpoint, kind string, newModel func(C) (M, error), params func(M) graphs.Params) (M, error) {
	var zero M
	if c.Meta.Kind != kind {
		return zero, c.Expect(kind, nil)
	}
	var cfg C
	if err := json.Unmarshal(c.Meta.Config, &cfg); err != nil {
		return zero, fmt.Errorf("checkpoints: %s: the %s model's config: %w", c.describe(), kind, err)
	}
	m, err := newModel(cfg)
	if err != nil {
		return zero, fmt.Errorf("checkpoints: %s: the %s model's config: %w", c.describe(), kind, err)
	}
	if err := c.LoadParams(kind, params(m)); err != nil {
		return zero, err
	}
	return m, nil
}

// InitParams copies into ps every tensor of c with the same name and shape
// (transfer learning: start from another run's parameters). It returns the
// names it loaded and the names it left as they were, with the reason.
func (c *Checkpoint) InitParams(ps graphs.Params) (loaded, fresh []string) {
	for _, p := range ps {
		t, ok := c.Find(p.Name)
		switch {
		case !ok:
			fresh = append(fresh, p.Name+" (not in the checkpoint)")
		case !slices.Equal(t.Shape, p.Shape()) || len(t.Data) != len(p.Float32s()):
			fresh = append(fresh, fmt.Sprintf("%s (shape %v in the checkpoint, %v here)", p.Name, t.Shape, p.Shape()))
		default:
			copy(p.Float32s(), t.Data)
			loaded = append(loaded, p.Name)
		}
	}
	return loaded, fresh
}
