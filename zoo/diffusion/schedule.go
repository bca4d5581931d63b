package diffusion

import (
	"fmt"
	"math"
	"strings"
)

// Schedule names (Config.Schedule).
const (
	// Linear is the schedule of Ho et al. (2020): β rises linearly from
	// 1e-4 at the first step to 0.02 at the last.
	Linear = "linear"
	// Cosine is the schedule of Nichol & Dhariwal (2021): ᾱ_t =
	// f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s) · π/2) with s = 0.008, and
	// β_t = 1 − ᾱ_t/ᾱ_{t−1} clipped at 0.999.
	Cosine = "cosine"
)

// Schedules lists the noise schedules.
var Schedules = []string{Linear, Cosine}

// Schedule holds the noise levels of the forward process q(x_t | x_{t−1})
// = N(√(1−β_t) x_{t−1}, β_t I) for t = 1 … T, stored at index t−1, and the
// products ᾱ_t = Π_{s ≤ t} (1 − β_s) that give q(x_t | x_0) in closed form.
type Schedule struct {
	Betas     []float64
	AlphaBars []float64
}

// Linear schedule's endpoints and the cosine schedule's offset and clip.
const (
	linearBeta1 = 1e-4
	linearBetaT = 0.02
	cosineS     = 0.008
	maxBeta     = 0.999
)

// NewSchedule returns the named schedule of T steps.
func NewSchedule(name string, T int) (*Schedule, error) {
	if T < 1 || T > maxT {
		return nil, fmt.Errorf("diffusion: T must be from 1 to %d, got %d", maxT, T)
	}
	betas := make([]float64, T)
	switch name {
	case Linear:
		for i := range betas {
			betas[i] = linearBeta1
			if T > 1 {
				betas[i] += (linearBetaT - linearBeta1) * float64(i) / float64(T-1)
			}
		}
	case Cosine:
		f := func(t int) float64 {
			c := math.Cos((float64(t)/float64(T) + cosineS) / (1 + cosineS) * math.Pi / 2)
			return c * c
		}
		for i := range betas {
			betas[i] = min(1-f(i+1)/f(i), maxBeta)
		}
	default:
		return nil, fmt.Errorf("diffusion: unknown schedule %q (have: %s)", name, strings.Join(Schedules, ", "))
	}
	s := &Schedule{Betas: betas, AlphaBars: make([]float64, T)}
	prod := 1.0
	for i, b := range betas {
		prod *= 1 - b
		s.AlphaBars[i] = prod
	}
	return s, nil
}

// maxT bounds Config.T, so that a corrupt checkpoint cannot ask for an
// absurd schedule.
const maxT = 100000

// T returns the number of steps.
func (s *Schedule) T() int { return len(s.Betas) }

// alphaBar returns ᾱ at step index i, and 1 at index −1 (no noise).
func (s *Schedule) alphaBar(i int) float64 {
	if i < 0 {
		return 1
	}
	return s.AlphaBars[i]
}

// Diffuse writes into dst a draw of q(x_t | x_0) at step index t (step
// t+1 of 1 … T) made with the standard normal noise eps:
//
//	x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε.
//
// dst, x0 and eps have the same length.
func (s *Schedule) Diffuse(dst, x0, eps []float32, t int) {
	a, b := float32(math.Sqrt(s.AlphaBars[t])), float32(math.Sqrt(1-s.AlphaBars[t]))
	for i := range dst {
		dst[i] = a*x0[i] + b*eps[i]
	}
}
