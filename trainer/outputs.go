package trainer

import (
	"fmt"
	"path/filepath"

	"github.com/gorgozoo/gorgozoo/visual"
)

// previews writes the model's preview grids: samples/<name>-epoch-NNN.png
// at epoch ends (or <name>-step-NNNNNNNN.png in between), <name>.png as the
// latest, and the loss plot.
func (r *run) previews(step int64, endOfEpoch bool) error {
	if r.cfg.Out == "" {
		return nil
	}
	ps, err := r.m.Previews()
	if err != nil {
		return fmt.Errorf("trainer: step %d: previews: %w", step, err)
	}
	for _, p := range ps {
		img, err := visual.Grid(p.Images, p.N, p.H, p.W, p.Cols, p.Lo, p.Hi)
		if err != nil {
			return fmt.Errorf("trainer: preview %s: %w", p.Name, err)
		}
		big := visual.Upscale(img, 2)
		name := fmt.Sprintf("%s-step-%08d.png", p.Name, step)
		if endOfEpoch {
			name = fmt.Sprintf("%s-epoch-%03d.png", p.Name, step/r.perEpoch)
		}
		for _, path := range []string{filepath.Join(r.cfg.Out, "samples", name), filepath.Join(r.cfg.Out, p.Name+".png")} {
			if err := visual.SavePNG(path, big); err != nil {
				return fmt.Errorf("trainer: %w", err)
			}
		}
	}
	return r.lossPlot()
}

// lossPlot draws every logged metric against epochs into loss.png.
func (r *run) lossPlot() error {
	if len(r.history) == 0 {
		return nil
	}
	var series []visual.Series
	for i, m := range r.history[0].metrics {
		s := visual.Series{Name: m.Name}
		for _, h := range r.history {
			if i < len(h.metrics) {
				s.X = append(s.X, h.epoch)
				s.Y = append(s.Y, h.metrics[i].Value)
			}
		}
		series = append(series, s)
	}
	img, err := visual.Plot{Title: "training metrics (mean per log window)", XLabel: "epoch", Series: series}.Render()
	if err != nil {
		return fmt.Errorf("trainer: loss plot: %w", err)
	}
	return visual.SavePNG(filepath.Join(r.cfg.Out, "loss.png"), img)
}
