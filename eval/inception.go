package eval

import (
	"fmt"
	"math"
)

// InceptionScore returns the Inception score (Salimans et al. 2016) of
// class probabilities p(y|x), n rows of classes values:
//
//	IS = exp( E_x KL(p(y|x) ‖ p(y)) ),  p(y) = E_x p(y|x),
//
// computed, as in the reference code, on splits consecutive parts of the
// rows, reporting the mean and the (population) standard deviation of the
// parts' scores. It lies between 1 and classes: high when each sample is
// confidently one class and the classes are equally frequent.
func InceptionScore(probs []float32, classes, splits int) (mean, std float64, err error) {
	n, err := rows(probs, classes, "probability")
	if err != nil {
		return 0, 0, err
	}
	if splits < 1 || n < splits {
		return 0, 0, fmt.Errorf("eval: Inception score of %d samples in %d splits: need at least one sample per split", n, splits)
	}
	scores := make([]float64, splits)
	marginal := make([]float64, classes)
	for s := range splits {
		lo, hi := s*n/splits, (s+1)*n/splits
		clear(marginal)
		for i := lo; i < hi; i++ {
			for c, p := range probs[i*classes : (i+1)*classes] {
				if !(p >= 0 && p <= 1) {
					return 0, 0, fmt.Errorf("eval: probability %d of sample %d is %v", c, i, p)
				}
				marginal[c] += float64(p)
			}
		}
		for c := range marginal {
			marginal[c] /= float64(hi - lo)
		}
		var kl float64
		for i := lo; i < hi; i++ {
			for c, p := range probs[i*classes : (i+1)*classes] {
				if p > 0 { // 0·log 0 = 0; p > 0 implies marginal[c] > 0
					kl += float64(p) * (math.Log(float64(p)) - math.Log(marginal[c]))
				}
			}
		}
		scores[s] = math.Exp(kl / float64(hi-lo))
	}
	for _, s := range scores {
		mean += s
	}
	mean /= float64(splits)
	for _, s := range scores {
		std += (s - mean) * (s - mean)
	}
	return mean, math.Sqrt(std / float64(splits)), nil
}
