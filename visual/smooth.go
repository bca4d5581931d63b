package visual

import "math"

// Smooth returns the exponential moving average of y:
// s[i] = alpha*y[i] + (1-alpha)*s[i-1], starting from the first finite value.
// Smaller alpha smooths more; alpha is clamped to [0, 1] and NaN means 1 (no
// smoothing). Non-finite inputs are copied through unchanged and do not
// enter the average, so one diverged step neither poisons the rest of the
// curve nor disappears silently: Plot skips it just as it would unsmoothed.
func Smooth(y []float64, alpha float64) []float64 {
	if !(alpha < 1) {
		alpha = 1
	}
	alpha = math.Max(alpha, 0)
	out := make([]float64, len(y))
	started := false
	var s float64
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			out[i] = v
			continue
		}
		if started {
			s = alpha*v + (1-alpha)*s
		} else {
			s, started = v, true
		}
		out[i] = s
	}
	return out
}
