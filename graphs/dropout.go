package graphs

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
)

// Dropout zeroes each element with probability P during training and
// scales the survivors by 1/(1−P), so evaluation needs no rescaling.
//
// Gorgonia's own Dropout draws its mask from a clock-seeded generator, so
// runs could not be repeated. Here the mask is an input of the graph: the
// builder records it, and the training step refills it from the run's
// seeded generator before every run ([Builder.Masks], [Mask.Refill]).
type Dropout struct {
	P float64
}

// Mask is a dropout mask fed into a graph.
type Mask struct {
	Node *G.Node
	P    float64
}

// Refill draws a new mask: each entry is 1/(1−P) with probability 1−P and 0
// otherwise.
func (m Mask) Refill(rng *rand.Rand) {
	keep := 1 / (1 - m.P)
	switch d := Value(m.Node).Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(keep)
			if rng.Float64() < m.P {
				d[i] = 0
			}
		}
	case []float64:
		for i := range d {
			d[i] = keep
			if rng.Float64() < m.P {
				d[i] = 0
			}
		}
	}
}

// Forward applies dropout to x when the builder is in training mode, and
// is the identity otherwise (or when P is 0).
func (d Dropout) Forward(b *Builder, x *G.Node) *G.Node {
	if b.failed(x) || !b.Training || d.P <= 0 {
		return x
	}
	mask := b.Input(fmt.Sprintf("dropout.mask%d", b.inputs), x.Shape()...)
	m := Mask{Node: mask, P: d.P}
	m.Refill(rand.New(rand.NewPCG(0, uint64(len(b.masks))))) // a valid mask even before the first refill
	b.masks = append(b.masks, m)
	return b.Mul(x, mask)
}

// Masks returns the dropout masks in the graph, in creation order.
func (b *Builder) Masks() []Mask { return b.masks }

// RefillMasks draws new dropout masks for the next run.
func RefillMasks(ms []Mask, rng *rand.Rand) {
	for _, m := range ms {
		m.Refill(rng)
	}
}
