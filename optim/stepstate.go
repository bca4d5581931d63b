package optim

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// StepState returns what a training step that draws from noise and
// averages its weights with avg (nil: no average) must carry to resume
// exactly, keyed "<family>.noise" and "<family>.ema_updates", for
// trainer.Stateful.
func StepState(family string, noise *rand.PCG, avg *EMA) (map[string]string, error) {
	enc, err := graphs.EncodePCG(noise)
	if err != nil {
		return nil, err
	}
	st := map[string]string{family + ".noise": enc}
	if avg != nil {
		st[family+".ema_updates"] = strconv.FormatInt(avg.Updates, 10)
	}
	return st, nil
}

// SetStepState restores what StepState recorded.
func SetStepState(family string, st map[string]string, noise *rand.PCG, avg *EMA) error {
	enc, ok := st[family+".noise"]
	if !ok {
		return fmt.Errorf("%s: checkpoint has no noise generator state", family)
	}
	if err := graphs.DecodePCG(noise, enc); err != nil {
		return err
	}
	if avg != nil {
		n, err := strconv.ParseInt(st[family+".ema_updates"], 10, 64)
		if err != nil {
			return fmt.Errorf("%s: checkpoint has no count of weight-average updates", family)
		}
		avg.Updates = n
	}
	return nil
}
