package testutil

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gorgozoo/gorgozoo/graphs"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GradCheck compares the symbolic gradients of a scalar loss with central
// finite differences, in float64. build adds the loss to a float64 builder;
// it must bind every parameter in params (float64 copies, see
// [graphs.Params.ToFloat64]) and feed fixed inputs. At most maxPerParam entries of
// each parameter are probed (chosen by a fixed seed; 0 probes them all).
// An entry fails when |analytic − numeric| > tol·max(1, |analytic|, |numeric|).
func GradCheck(params graphs.Params, build func(b *graphs.Builder) *G.Node, maxPerParam int, tol float64) error {
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	loss := build(b)
	kept := b.Keep(loss)
	grads := b.Grad(loss, params)
	vm, err := b.Compile()
	if err != nil {
		return err
	}
	run := func() (float64, error) {
		if err := vm.Run(); err != nil {
			return 0, err
		}
		return kept.Scalar(), nil
	}
	if _, err := run(); err != nil {
		return fmt.Errorf("gradcheck: %w", err)
	}
	analytic := make([][]float64, len(params))
	for i, g := range grads {
		d, ok := graphs.Value(g).Data().([]float64)
		if !ok {
			return fmt.Errorf("gradcheck: gradient of %s is not float64", params[i].Name)
		}
		analytic[i] = append([]float64(nil), d...)
	}
	const h = 1e-6
	rng := rand.New(rand.NewPCG(1, 2))
	for i, p := range params {
		data := p.Value.Data().([]float64)
		idx := rng.Perm(len(data))
		if maxPerParam > 0 && len(idx) > maxPerParam {
			idx = idx[:maxPerParam]
		}
		for _, j := range idx {
			orig := data[j]
			data[j] = orig + h
			up, err := run()
			if err != nil {
				return err
			}
			data[j] = orig - h
			down, err := run()
			if err != nil {
				return err
			}
			data[j] = orig
			numeric := (up - down) / (2 * h)
			a := analytic[i][j]
			if math.Abs(a-numeric) > tol*math.Max(1, math.Max(math.Abs(a), math.Abs(numeric))) {
				return fmt.Errorf("gradcheck: d loss/d %s[%d]: symbolic %.8g, finite difference %.8g", p.Name, j, a, numeric)
			}
		}
	}
	return nil
}
