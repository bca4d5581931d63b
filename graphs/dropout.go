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
// otherwise. Each 64-bit draw decides two entries, one per 32-bit half
// (an entry is dropped when its half is below P·2³², so P is honoured to
// within 2⁻³²): the generator was a third of a GAN step's dropout cost at
// one draw per entry.
func (m Mask) Refill(rng *rand.Rand) {
	switch d := Value(m.Node).Data().(type) {
	case []float32:
		refill(d, m.P, rng)
	case []float64:
		refill(d, m.P, rng)
	}
}

func refill[T float32 | float64](d []T, p float64, rng *rand.Rand) {
	keep := T(1 / (1 - p))
	below := uint32(min(p*(1<<32), 1<<32-1))
	entry := func(half uint32) T {
		if half < below {
			return 0
		}
		return keep
	}
	for i := 0; i < len(d); i += 2 {
		r := rng.Uint64()
		d[i] = entry(uint32(r))
		if i+1 < len(d) {
			d[i+1] = entry(uint32(r >> 32))
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
