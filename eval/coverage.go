package eval

import (
	"fmt"
	"math"
)

// CoveredDivisor sets the share of its fair share n/classes that a class
// needs to count as covered, 1/CoveredDivisor: a generator that draws a
// digit at a tenth of its natural rate still has it, one that draws it
// less has (nearly) dropped it.
const CoveredDivisor = 10

// Coverage describes which classes a sample set contains, by the
// classifier's most probable class for each sample.
type Coverage struct {
	Histogram []int   // samples per class
	Covered   int     // classes with at least n/(classes·CoveredDivisor) samples
	KLUniform float64 // KL(histogram ‖ uniform) in nats: 0 for equal counts, log(classes) for a single class
}

// ClassCoverage counts the samples per predicted class in probs (n rows of
// classes values) and compares the histogram with the uniform one.
func ClassCoverage(probs []float32, classes int) (Coverage, error) {
	n, err := rows(probs, classes, "probability")
	if err != nil {
		return Coverage{}, err
	}
	if n < 1 {
		return Coverage{}, fmt.Errorf("eval: class coverage of no samples")
	}
	c := Coverage{Histogram: make([]int, classes)}
	for i := range n {
		row := probs[i*classes : (i+1)*classes]
		best := 0
		for j, p := range row {
			if p > row[best] {
				best = j
			}
		}
		c.Histogram[best]++
	}
	for _, h := range c.Histogram {
		if h*classes*CoveredDivisor >= n { // in integers: no rounding at the threshold
			c.Covered++
		}
		if h > 0 {
			p := float64(h) / float64(n)
			c.KLUniform += p * math.Log(p*float64(classes))
		}
	}
	return c, nil
}
