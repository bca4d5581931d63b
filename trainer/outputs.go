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

// lossPlot draws every logged training metric against epochs into
// loss.png.
func (r *run) lossPlot() error {
	return r.plot(r.history, "training metrics (mean per log window)", "loss.png", false)
}

// plot draws each metric of hist (matched by name, so records may carry
// different metrics) against epochs into file in the run folder.
func (r *run) plot(hist []historyPoint, title, file string, logY bool) error {
	if len(hist) == 0 || r.cfg.Out == "" {
		return nil
	}
	var series []visual.Series
	index := map[string]int{}
	for _, h := range hist {
		for _, m := range h.metrics {
			i, ok := index[m.Name]
			if !ok {
				i = len(series)
				index[m.Name] = i
				series = append(series, visual.Series{Name: m.Name})
			}
			series[i].X = append(series[i].X, h.epoch)
			series[i].Y = append(series[i].Y, m.Value)
		}
	}
	img, err := visual.Plot{Title: title, XLabel: "epoch", Series: series, LogY: logY}.Render()
	if err != nil {
		return fmt.Errorf("trainer: %s: %w", file, err)
	}
	return visual.SavePNG(filepath.Join(r.cfg.Out, file), img)
}
