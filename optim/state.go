package optim

import (
	"fmt"
	"strconv"

	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// Save adds a's state to c under the prefix "optim.<name>.": the moments
// as tensors m.<param> and v.<param>, and the step count, learning rate
// and betas as metadata, so that a resumed run continues exactly. The
// tensors alias the live moments: save c before the next update.
func (a *Adam) Save(c *checkpoints.Checkpoint, name string) {
	prefix := "optim." + name + "."
	for i, p := range a.Params {
		c.Tensors = append(c.Tensors,
			checkpoints.Tensor{Name: prefix + "m." + p.Name, Shape: p.Shape(), Data: a.M[i]},
			checkpoints.Tensor{Name: prefix + "v." + p.Name, Shape: p.Shape(), Data: a.V[i]})
	}
	if c.Meta.Extra == nil {
		c.Meta.Extra = map[string]string{}
	}
	c.Meta.Extra[prefix+"step"] = strconv.FormatInt(a.Step, 10)
	c.Meta.Extra[prefix+"lr"] = strconv.FormatFloat(a.LR, 'g', -1, 64)
	c.Meta.Extra[prefix+"betas"] = fmt.Sprintf("%g,%g", a.Beta1, a.Beta2)
}

// Restore loads the moments and the step count that [Adam.Save] wrote
// under name. The learning rate and betas stay as a was made: a resumed
// run may change them.
func (a *Adam) Restore(c *checkpoints.Checkpoint, name string) error {
	prefix := "optim." + name + "."
	step, err := strconv.ParseInt(c.Meta.Extra[prefix+"step"], 10, 64)
	if err != nil {
		return fmt.Errorf("checkpoint has no step count for optimiser %s", name)
	}
	for i, p := range a.Params {
		for _, mv := range []struct {
			kind string
			dst  []float32
		}{{"m.", a.M[i]}, {"v.", a.V[i]}} {
			t, ok := c.Find(prefix + mv.kind + p.Name)
			if !ok || len(t.Data) != len(mv.dst) {
				return fmt.Errorf("checkpoint has no matching optimiser state %s%s%s", prefix, mv.kind, p.Name)
			}
			copy(mv.dst, t.Data)
		}
	}
	a.Step = step
	return nil
}
