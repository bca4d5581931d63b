package trainer

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"

	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// Checkpoint captures m's parameters and optimiser state at a step. The
// tensors alias the live parameters: save it before the next step.
func Checkpoint(m Model, step int64, epoch int, seed uint64, extra map[string]string) (*checkpoints.Checkpoint, error) {
	cfg, err := json.Marshal(m.Config())
	if err != nil {
		return nil, fmt.Errorf("trainer: model config: %w", err)
	}
	c := &checkpoints.Checkpoint{Meta: checkpoints.Meta{
		Kind: m.Kind(), Config: cfg, Step: step, Epoch: epoch, Seed: seed,
		Versions: Versions(), Extra: map[string]string{},
	}}
	for k, v := range extra {
		c.Meta.Extra[k] = v
	}
	c.Tensors = checkpoints.FromParams(m.Params())
	for _, o := range m.Optimizers() {
		a := o.Adam
		prefix := "optim." + o.Name + "."
		for i, p := range a.Params {
			c.Tensors = append(c.Tensors,
				checkpoints.Tensor{Name: prefix + "m." + p.Name, Shape: p.Shape(), Data: a.M[i]},
				checkpoints.Tensor{Name: prefix + "v." + p.Name, Shape: p.Shape(), Data: a.V[i]})
		}
		c.Meta.Extra[prefix+"step"] = strconv.FormatInt(a.Step, 10)
		c.Meta.Extra[prefix+"lr"] = strconv.FormatFloat(a.LR, 'g', -1, 64)
		c.Meta.Extra[prefix+"betas"] = fmt.Sprintf("%g,%g", a.Beta1, a.Beta2)
	}
	return c, nil
}

// RestoreOptimizers loads the optimisers' moments and step counts saved by
// [Checkpoint].
func RestoreOptimizers(c *checkpoints.Checkpoint, opts []Optimizer) error {
	for _, o := range opts {
		prefix := "optim." + o.Name + "."
		step, err := strconv.ParseInt(c.Meta.Extra[prefix+"step"], 10, 64)
		if err != nil {
			return fmt.Errorf("checkpoint has no step count for optimiser %s", o.Name)
		}
		for i, p := range o.Adam.Params {
			for _, mv := range []struct {
				kind string
				dst  []float32
			}{{"m.", o.Adam.M[i]}, {"v.", o.Adam.V[i]}} {
				t, ok := c.Find(prefix + mv.kind + p.Name)
				if !ok || len(t.Data) != len(mv.dst) {
					return fmt.Errorf("checkpoint has no matching optimiser state %s%s%s", prefix, mv.kind, p.Name)
				}
				copy(mv.dst, t.Data)
			}
		}
		o.Adam.Step = step
	}
	return nil
}

// Versions records what produced a checkpoint.
func Versions() map[string]string {
	v := map[string]string{"go": runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v["gorgozoo"] = bi.Main.Version
		for _, d := range bi.Deps {
			switch d.Path {
			case "gorgonia.org/gorgonia", "gorgonia.org/tensor":
				v[d.Path] = d.Version
			}
		}
	}
	return v
}
