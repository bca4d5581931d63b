package trainer

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

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
	if st, ok := m.(Stateful); ok {
		state, err := st.State()
		if err != nil {
			return nil, fmt.Errorf("trainer: model state: %w", err)
		}
		for k, v := range state {
			c.Meta.Extra[statePrefix+k] = v
		}
	}
	c.Tensors = m.Params().Tensors()
	for _, o := range m.Optimizers() {
		o.Adam.Save(c, o.Name)
	}
	return c, nil
}

// Stateful is implemented by models whose state goes beyond parameters and
// optimisers: random generators (noise, dropout masks), averaging counters.
// It travels in checkpoints' metadata, so that a resumed run draws the same
// numbers an uninterrupted one would.
type Stateful interface {
	State() (map[string]string, error)
	SetState(map[string]string) error
}

const statePrefix = "state."

// trainedKey holds a budgeted run's training time in checkpoints' metadata.
const trainedKey = "trained_time"

// TrainedTime returns the training time a checkpoint records: the time a
// run with a time budget ([Config.Time]) had spent in steps when it was
// saved. It is 0 for checkpoints of runs without a budget.
func TrainedTime(c *checkpoints.Checkpoint) (time.Duration, error) {
	s, ok := c.Meta.Extra[trainedKey]
	if !ok {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("trainer: the checkpoint's %s %q is not a duration", trainedKey, s)
	}
	return d, nil
}

// Resume loads into m everything a checkpoint written by [Checkpoint] holds:
// parameters (checked by kind, name and shape), optimiser moments and step
// counts, and the model's own state. It returns the global step to resume
// from (Config.Start); the data order follows from the run's seed, which
// the caller takes from c.Meta.Seed.
func Resume(c *checkpoints.Checkpoint, m Model) (int64, error) {
	if c.Meta.Step < 0 {
		return 0, fmt.Errorf("trainer: resuming: the checkpoint's step %d is negative", c.Meta.Step)
	}
	if err := c.LoadParams(m.Kind(), m.Params()); err != nil {
		return 0, err
	}
	if err := RestoreOptimizers(c, m.Optimizers()); err != nil {
		return 0, fmt.Errorf("trainer: resuming: %w", err)
	}
	if st, ok := m.(Stateful); ok {
		state := map[string]string{}
		for k, v := range c.Meta.Extra {
			if strings.HasPrefix(k, statePrefix) {
				state[strings.TrimPrefix(k, statePrefix)] = v
			}
		}
		if err := st.SetState(state); err != nil {
			return 0, fmt.Errorf("trainer: resuming: %w", err)
		}
	}
	return c.Meta.Step, nil
}

// RestoreOptimizers loads the optimisers' moments and step counts saved by
// [Checkpoint].
func RestoreOptimizers(c *checkpoints.Checkpoint, opts []Optimizer) error {
	for _, o := range opts {
		if err := o.Adam.Restore(c, o.Name); err != nil {
			return err
		}
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
