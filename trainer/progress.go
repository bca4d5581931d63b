package trainer

import (
	"fmt"
	"strings"
	"time"
)

const redrawEvery = 250 * time.Millisecond

// progress redraws the progress line on a terminal, at most every
// redrawEvery, or elsewhere prints a line every tenth of an epoch.
func (r *run) progress(done int64, ms []Metric, start time.Time, paused time.Duration) {
	if r.cfg.Progress == nil {
		return
	}
	if !r.redraw {
		tenth := max(r.perEpoch/10, 1)
		if done%tenth != 0 || done%r.perEpoch == 0 {
			return
		}
		fmt.Fprintln(r.cfg.Progress, r.status(done, ms, start, paused))
		return
	}
	if r.since(r.lastDraw) < redrawEvery && done != r.total {
		return
	}
	r.lastDraw = r.now()
	r.drawn = true
	fmt.Fprintf(r.cfg.Progress, "\r\033[K%s", r.status(done, ms, start, paused))
}

// clearLine erases the redrawn progress line, to print something in its
// place.
func (r *run) clearLine() {
	if r.drawn {
		fmt.Fprint(r.cfg.Progress, "\r\033[K")
		r.drawn = false
	}
}

// endLine ends the redrawn progress line where the run stops, so that it
// stays on screen and what follows starts on a line of its own.
func (r *run) endLine() {
	if r.drawn {
		fmt.Fprintln(r.cfg.Progress)
		r.drawn = false
	}
}

func (r *run) status(done int64, ms []Metric, start time.Time, paused time.Duration) string {
	epoch := (done-1)/r.perEpoch + 1
	epochs := (r.total + r.perEpoch - 1) / r.perEpoch
	inEpoch := (done-1)%r.perEpoch + 1
	const width = 20
	filled := int(float64(width) * float64(inEpoch) / float64(r.perEpoch))
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	ips, eta := r.speed(done, start, paused)
	return fmt.Sprintf("epoch %d/%d [%s] %d/%d %s | %.0f img/s | ETA %s",
		epoch, epochs, bar, inEpoch, r.perEpoch, formatMetrics(ms), ips, eta)
}

func (r *run) speed(done int64, start time.Time, paused time.Duration) (float64, string) {
	steps := done - r.cfg.Start
	busy := r.since(start) - paused
	if steps <= 0 || busy <= 0 {
		return 0, "?"
	}
	perStep := busy / time.Duration(steps)
	eta := time.Duration(r.total-done) * perStep
	return float64(steps*int64(r.m.Batch())) / busy.Seconds(), eta.Round(time.Second).String()
}

func (r *run) epochSummary(done int64, ms []Metric, start time.Time, paused time.Duration) {
	if r.cfg.Progress == nil {
		return
	}
	r.clearLine()
	ips, _ := r.speed(done, start, paused)
	fmt.Fprintf(r.cfg.Progress, "epoch %d/%d done: %s | %.0f img/s | %s elapsed\n",
		done/r.perEpoch, (r.total+r.perEpoch-1)/r.perEpoch, formatMetrics(ms), ips, r.since(start).Round(time.Second))
}

func formatMetrics(ms []Metric) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = fmt.Sprintf("%s %.4g", m.Name, m.Value)
	}
	return strings.Join(parts, " ")
}
