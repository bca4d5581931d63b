package checkpoints

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// Params is a model's parameters seen as named tensors. Tensors returns
// one Tensor per parameter whose Data aliases the parameter's values, so
// that saving the tensors stores the parameters and copying into them sets
// the parameters. graphs.Params is one.
type Params interface {
	Tensors() []Tensor
}

// LoadParams checks that c holds a kind model with every parameter of ps at
// its shape and with finite values, then copies the values in; on an
// error, ps is left as it was.
func (c *Checkpoint) LoadParams(kind string, ps Params) error {
	ts := ps.Tensors()
	shapes := make(map[string][]int, len(ts))
	for _, t := range ts {
		shapes[t.Name] = t.Shape
	}
	if err := c.Expect(kind, shapes); err != nil {
		return err
	}
	for _, p := range ts {
		t, _ := c.Find(p.Name)
		if len(t.Data) != len(p.Data) {
			return fmt.Errorf("checkpoints: checkpoint %s: tensor %q holds %d values, want %d", c.describe(), p.Name, len(t.Data), len(p.Data))
		}
		// A model with a NaN or an infinity only draws black images or
		// trains on into NaN: better refused with the tensor's name.
		if i := nonFinite(t.Data); i >= 0 {
			return fmt.Errorf("checkpoints: checkpoint %s: tensor %q holds %v at index %d; a model with non-finite parameters is refused", c.describe(), p.Name, t.Data[i], i)
		}
	}
	for _, p := range ts {
		t, _ := c.Find(p.Name)
		copy(p.Data, t.Data)
	}
	return nil
}

// nonFinite returns the index of the first NaN or infinity in d, or -1.
func nonFinite(d []float32) int {
	for i, v := range d {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return i
		}
	}
	return -1
}

// Rebuild makes the model a checkpoint of the given kind holds: its
// configuration from the metadata (decoded into a C), the model from
// newModel, and the parameters, checked by name and shape, from the
// tensors. Every model package's FromCheckpoint is this call.
func Rebuild[C, M any, P Params](c *Checkpoint, kind string, newModel func(C) (M, error), params func(M) P) (M, error) {
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
func (c *Checkpoint) InitParams(ps Params) (loaded, fresh []string) {
	for _, p := range ps.Tensors() {
		t, ok := c.Find(p.Name)
		switch {
		case !ok:
			fresh = append(fresh, p.Name+" (not in the checkpoint)")
		case !slices.Equal(t.Shape, p.Shape) || len(t.Data) != len(p.Data):
			fresh = append(fresh, fmt.Sprintf("%s (shape %v in the checkpoint, %v here)", p.Name, t.Shape, p.Shape))
		default:
			copy(p.Data, t.Data)
			loaded = append(loaded, p.Name)
		}
	}
	return loaded, fresh
}
