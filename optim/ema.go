package optim

import (
	"fmt"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/vec"
)

// EMA keeps an exponential moving average of parameters (Polyak
// averaging): after every optimiser step, avg ← d·avg + (1−d)·param. A
// GAN generator's weights oscillate around a good solution; sampling from
// their average gives visibly cleaner images at no training cost (Yazıcı et
// al., "The Unusual Effectiveness of Averaging in GAN Training", 2019).
//
// Early on the decay is min(Decay, (1+t)/(10+t)) for the t-th update, so
// that the average forgets the random initialisation quickly.
type EMA struct {
	Decay   float64
	Avg     graphs.Params // the averages, updated in place
	Src     graphs.Params // the parameters being averaged, same order and shapes
	Updates int64         // updates applied so far; part of a run's state
}

// NewEMA returns an average of src kept in avg (allocated with src's
// shapes). avg is not reset: a new model starts it as a copy of src, a
// resumed one loads it from a checkpoint.
func NewEMA(src, avg graphs.Params, decay float64) (*EMA, error) {
	if len(src) != len(avg) {
		return nil, fmt.Errorf("optim: ema: %d averages for %d parameters", len(avg), len(src))
	}
	for i, p := range src {
		if p.Value.Shape().TotalSize() != avg[i].Value.Shape().TotalSize() {
			return nil, fmt.Errorf("optim: ema: %s has shape %v, its average %s %v", p.Name, p.Value.Shape(), avg[i].Name, avg[i].Value.Shape())
		}
	}
	return &EMA{Decay: decay, Avg: avg, Src: src}, nil
}

// Update folds the current parameters into the averages.
func (e *EMA) Update() {
	e.Updates++
	t := float64(e.Updates)
	d := float32(min(e.Decay, (1+t)/(10+t)))
	for i, p := range e.Src {
		vec.Lerp(e.Avg[i].Float32s(), p.Float32s(), d)
	}
}
