package checkpoints

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Tensor is one named float32 array. Data is row-major and holds exactly
// product(Shape) values; an empty Shape is a scalar holding one value.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Meta describes what a checkpoint holds and how it was produced, so that a
// trainer can resume a run or refuse a file meant for another model.
type Meta struct {
	Kind     string            `json:"kind"`             // e.g. "gan-mlp", "vae-mlp"
	Config   json.RawMessage   `json:"config,omitempty"` // the model's architecture config, opaque here
	Step     int64             `json:"step"`
	Epoch    int               `json:"epoch"`
	Seed     uint64            `json:"seed"`
	Versions map[string]string `json:"versions,omitempty"` // e.g. go, gorgonia, gorgozoo
	Extra    map[string]string `json:"extra,omitempty"`    // RNG state, optimiser hyper-parameters, ...
}

// Checkpoint is a set of tensors and the metadata that goes with them.
type Checkpoint struct {
	Meta    Meta
	Tensors []Tensor

	// path is the file the checkpoint was loaded from, kept so that Expect
	// can say which file is at fault.
	path string
}

// Find returns the tensor with the given name.
func (c *Checkpoint) Find(name string) (Tensor, bool) {
	if c == nil {
		return Tensor{}, false
	}
	for _, t := range c.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// Expect checks that the checkpoint holds a model of the given kind and that
// every tensor named in shapes is present with exactly that shape. Tensors
// not named in shapes are allowed (optimiser state, buffers), because only
// the caller knows which of them matter. All missing and misshapen tensors
// are reported in one error so that a mismatch can be fixed in one go.
func (c *Checkpoint) Expect(kind string, shapes map[string][]int) error {
	if c == nil {
		return fmt.Errorf("checkpoints: nil checkpoint, want a %q model", kind)
	}
	if c.Meta.Kind != kind {
		if c.Meta.Kind == "" {
			return fmt.Errorf("checkpoints: checkpoint %s holds a model of unknown kind (no gorgozoo metadata), not %q", c.describe(), kind)
		}
		return fmt.Errorf("checkpoints: checkpoint %s holds a %q model, not %q", c.describe(), c.Meta.Kind, kind)
	}

	have := make(map[string][]int, len(c.Tensors))
	for _, t := range c.Tensors {
		have[t.Name] = t.Shape
	}
	names := make([]string, 0, len(shapes))
	for name := range shapes {
		names = append(names, name)
	}
	sort.Strings(names)

	var problems []string
	for _, name := range names {
		got, ok := have[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("missing tensor %q", name))
		case !slices.Equal(got, shapes[name]):
			problems = append(problems, fmt.Sprintf("tensor %q has shape %v, want %v", name, got, shapes[name]))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("checkpoints: checkpoint %s does not fit the %q model: %s", c.describe(), kind, strings.Join(problems, "; "))
	}
	return nil
}

// describe names the checkpoint in error messages.
func (c *Checkpoint) describe() string {
	if c.path == "" {
		return "(not loaded from a file)"
	}
	return c.path
}

// numElements returns the number of values a tensor of the given shape
// holds, or an error for negative dimensions or a count above limit. The
// limit keeps the multiplication from overflowing.
func numElements(shape []int, limit int64) (int64, error) {
	empty := false
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d == 0 {
			empty = true
		}
	}
	// Checked before multiplying: [n, 0] is empty however large n is, and
	// must not trip the limit.
	if empty {
		return 0, nil
	}
	n := int64(1)
	for _, d := range shape {
		if n > limit/int64(d) {
			return 0, fmt.Errorf("shape %v holds more than %d values", shape, limit)
		}
		n *= int64(d)
	}
	return n, nil
}
