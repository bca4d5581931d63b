package graphs

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Param is a named tensor that lives outside any graph: a trainable
// weight, or a buffer (Buffer set) that is saved and loaded with the
// weights but never trained, such as a spectral norm's singular vectors.
type Param struct {
	Name   string
	Value  *tensor.Dense
	Buffer bool
}

// Float32s returns the parameter's data. It panics only if the tensor is
// not float32, which cannot happen for parameters made by this package.
func (p *Param) Float32s() []float32 { return p.Value.Data().([]float32) }

// Shape returns a copy of the parameter's shape.
func (p *Param) Shape() []int { return append([]int(nil), p.Value.Shape()...) }

// NewParam returns a zero float32 parameter of the given shape.
func NewParam(name string, shape ...int) *Param {
	return &Param{Name: name, Value: tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))}
}

// Params is an ordered list of parameters: order fixes the order of
// optimiser state and of initialisation draws, so it must not depend on map
// iteration.
type Params []*Param

// Find returns the parameter with the given name, or nil.
func (ps Params) Find(name string) *Param {
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Trainable returns ps without its buffers: what an optimiser updates.
func (ps Params) Trainable() Params {
	var out Params
	for _, p := range ps {
		if !p.Buffer {
			out = append(out, p)
		}
	}
	return out
}

// Shapes maps each parameter's name to its shape.
func (ps Params) Shapes() map[string][]int {
	m := make(map[string][]int, len(ps))
	for _, p := range ps {
		m[p.Name] = p.Shape()
	}
	return m
}

// Count returns the number of scalar values in all parameters.
func (ps Params) Count() int {
	n := 0
	for _, p := range ps {
		n += p.Value.Shape().TotalSize()
	}
	return n
}

// Validate reports duplicate names, which would make checkpoints ambiguous.
func (ps Params) Validate() error {
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		if p.Name == "" {
			return fmt.Errorf("graphs: parameter with an empty name")
		}
		if seen[p.Name] {
			return fmt.Errorf("graphs: duplicate parameter name %q", p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

// AllFinite reports the first parameter holding a NaN or an infinity.
func (ps Params) AllFinite() error {
	for _, p := range ps {
		switch d := p.Value.Data().(type) {
		case []float32:
			for i, v := range d {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return fmt.Errorf("parameter %s holds %v at index %d", p.Name, v, i)
				}
			}
		case []float64:
			for i, v := range d {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("parameter %s holds %v at index %d", p.Name, v, i)
				}
			}
		}
	}
	return nil
}

// Uniform fills p with draws from U(-bound, bound).
func Uniform(p *Param, bound float64, rng *rand.Rand) {
	d := p.Float32s()
	for i := range d {
		d[i] = float32((2*rng.Float64() - 1) * bound)
	}
}

// Normal fills p with draws from N(0, std²).
func Normal(p *Param, std float64, rng *rand.Rand) {
	d := p.Float32s()
	for i := range d {
		d[i] = float32(rng.NormFloat64() * std)
	}
}

// FillNormal fills dst with standard normal draws; it is how noise and
// reparameterisation ε are fed into graphs.
func FillNormal(dst []float32, rng *rand.Rand) {
	for i := range dst {
		dst[i] = float32(rng.NormFloat64())
	}
}

// ToFloat64 returns a float64 copy of ps, for gradient checks.
func (ps Params) ToFloat64() Params {
	out := make(Params, len(ps))
	for i, p := range ps {
		src := p.Float32s()
		d := make([]float64, len(src))
		for j, v := range src {
			d[j] = float64(v)
		}
		out[i] = &Param{Name: p.Name, Value: tensor.New(tensor.WithShape(p.Shape()...), tensor.WithBacking(d)), Buffer: p.Buffer}
	}
	return out
}
