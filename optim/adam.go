package optim

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gorgonia.org/tensor"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/parallel"
	"github.com/gorgozoo/gorgozoo/internal/vec"
)

// Adam is the Adam optimiser (Kingma & Ba), with PyTorch's update rule
//
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
//	p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
//
// Its state (M, V and Step) is exported so that checkpoints can save it and
// a resumed run continues exactly; Gorgonia's own solvers hide theirs.
type Adam struct {
	LR, Beta1, Beta2, Eps float64

	Params graphs.Params
	M, V   [][]float32 // one slice per parameter, same order as Params
	Step   int64       // number of updates applied so far

	frozen []bool // parameters Update leaves alone (see Freeze)
}

// Freeze keeps every parameter whose name starts with one of the prefixes
// fixed from now on: Update skips it (its moments too). It returns the
// names it froze.
func (a *Adam) Freeze(prefixes ...string) []string {
	if a.frozen == nil {
		a.frozen = make([]bool, len(a.Params))
	}
	var names []string
	for i, p := range a.Params {
		for _, pre := range prefixes {
			if pre != "" && strings.HasPrefix(p.Name, pre) {
				a.frozen[i] = true
				names = append(names, p.Name)
				break
			}
		}
	}
	return names
}

// NewAdam returns an optimiser for params with learning rate lr, betas
// beta1 and beta2, and ε = 1e-8 as in PyTorch.
func NewAdam(params graphs.Params, lr, beta1, beta2 float64) *Adam {
	a := &Adam{LR: lr, Beta1: beta1, Beta2: beta2, Eps: 1e-8, Params: params}
	for _, p := range params {
		n := p.Value.Shape().TotalSize()
		a.M = append(a.M, make([]float32, n))
		a.V = append(a.V, make([]float32, n))
	}
	return a
}

// Update applies one step with the given gradients, one per parameter in
// order, each of its parameter's shape.
func (a *Adam) Update(grads []*tensor.Dense) error {
	if len(grads) != len(a.Params) {
		return fmt.Errorf("optim: adam: %d gradients for %d parameters", len(grads), len(a.Params))
	}
	for i, g := range grads {
		if g == nil {
			return fmt.Errorf("optim: adam: no gradient for %s", a.Params[i].Name)
		}
		if g.Shape().TotalSize() != len(a.M[i]) {
			return fmt.Errorf("optim: adam: gradient of %s has shape %v, parameter has %v", a.Params[i].Name, g.Shape(), a.Params[i].Value.Shape())
		}
		if _, ok := g.Data().([]float32); !ok {
			return fmt.Errorf("optim: adam: gradient of %s is %v, want float32", a.Params[i].Name, g.Dtype())
		}
	}
	for i, g := range grads {
		if j := vec.FirstNonFinite(g.Data().([]float32)); j >= 0 {
			return fmt.Errorf("optim: adam: the gradient of %s holds %v at index %d: %w", a.Params[i].Name, g.Data().([]float32)[j], j, ErrNonFinite)
		}
	}
	a.Step++
	t := float64(a.Step)
	stepSize := float32(a.LR / (1 - math.Pow(a.Beta1, t)))
	sqrtBias2 := float32(math.Sqrt(1 - math.Pow(a.Beta2, t)))
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	eps := float32(a.Eps)
	for i, p := range a.Params {
		if a.frozen != nil && a.frozen[i] {
			continue
		}
		// Each value's update is independent of the others, so large
		// parameters are updated in pieces over the cores.
		pd, gd, m, v := p.Float32s(), grads[i].Data().([]float32), a.M[i], a.V[i]
		parallel.Pieces(len(pd), func(lo, hi int) {
			vec.Adam(pd[lo:hi], gd[lo:hi], m[lo:hi], v[lo:hi], b1, b2, stepSize, sqrtBias2, eps)
		})
	}
	return nil
}

// ErrNonFinite marks a NaN or infinite gradient; Update refuses it and
// leaves the parameters as they were.
var ErrNonFinite = errors.New("non-finite gradient")
