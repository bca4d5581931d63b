package visual

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gorgozoo/gorgozoo/trainer"
)

// TrainingPictures returns a trainer hook that draws a run's pictures into
// its run folder out:
//
//   - each of the model's previews (trainer.Model's Previews) as a grid
//     upscaled twice, saved as <name>.png (the latest) and in samples/ as
//     <name>-epoch-NNN.png at an epoch's end or <name>-step-NNNNNNNN.png in
//     between; at every epoch's end, every sampleEvery steps (0: at epoch
//     ends only) and at the last step;
//   - loss.png, every logged training metric against epochs, whenever it
//     draws the grids;
//   - eval.png, every evaluation metric against epochs on a log scale,
//     after each evaluation.
//
// The hook keeps the metrics it has seen, so give each run a new one.
func TrainingPictures(out string, sampleEvery int64) trainer.Hook {
	p := &pictures{out: out, sampleEvery: sampleEvery}
	return p.hook
}

// pictures is the state of a TrainingPictures hook.
type pictures struct {
	out         string
	sampleEvery int64
	madeDir     bool
	history     []historyPoint // training metrics, one point per log window
	evals       []historyPoint // evaluations
}

type historyPoint struct {
	epoch   float64
	metrics []trainer.Metric
}

func (p *pictures) hook(ev trainer.Event) error {
	if !p.madeDir {
		if err := os.MkdirAll(filepath.Join(p.out, "samples"), 0o755); err != nil {
			return fmt.Errorf("visual: %w", err)
		}
		p.madeDir = true
	}
	if ev.Logged != nil {
		p.history = append(p.history, historyPoint{epoch: ev.Epochs, metrics: ev.Logged})
	}
	if ev.EndOfEpoch || (p.sampleEvery > 0 && ev.Step%p.sampleEvery == 0) || ev.Last {
		if err := p.previews(ev); err != nil {
			return err
		}
	}
	if ev.Evaluated {
		p.evals = append(p.evals, historyPoint{epoch: ev.Epochs, metrics: ev.Eval})
		return p.plot(p.evals, "evaluations (log scale)", "eval.png", true)
	}
	return nil
}

// previews writes the model's preview grids and the loss plot.
func (p *pictures) previews(ev trainer.Event) error {
	ps, err := ev.Model.Previews()
	if err != nil {
		return fmt.Errorf("visual: step %d: previews: %w", ev.Step, err)
	}
	for _, pv := range ps {
		img, err := Grid(pv.Images, pv.N, Shape{C: pv.C, H: pv.H, W: pv.W}, pv.Cols, pv.Lo, pv.Hi)
		if err != nil {
			return fmt.Errorf("visual: preview %s: %w", pv.Name, err)
		}
		big := Upscale(img, 2)
		name := fmt.Sprintf("%s-step-%08d.png", pv.Name, ev.Step)
		if ev.EndOfEpoch {
			name = fmt.Sprintf("%s-epoch-%03d.png", pv.Name, ev.Epoch)
		}
		for _, path := range []string{filepath.Join(p.out, "samples", name), filepath.Join(p.out, pv.Name+".png")} {
			if err := SavePNG(path, big); err != nil {
				return err
			}
		}
	}
	return p.plot(p.history, "training metrics (mean per log window)", "loss.png", false)
}

// plot draws each metric of hist (matched by name, so records may carry
// different metrics) against epochs into file in the run folder.
func (p *pictures) plot(hist []historyPoint, title, file string, logY bool) error {
	if len(hist) == 0 {
		return nil
	}
	var series []Series
	index := map[string]int{}
	for _, h := range hist {
		for _, m := range h.metrics {
			i, ok := index[m.Name]
			if !ok {
				i = len(series)
				index[m.Name] = i
				series = append(series, Series{Name: m.Name})
			}
			series[i].X = append(series[i].X, h.epoch)
			series[i].Y = append(series[i].Y, m.Value)
		}
	}
	img, err := Plot{Title: title, XLabel: "epoch", Series: series, LogY: logY}.Render()
	if err != nil {
		return fmt.Errorf("visual: %s: %w", file, err)
	}
	return SavePNG(filepath.Join(p.out, file), img)
}
