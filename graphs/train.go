package graphs

import (
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TrainGraph is a compiled training graph: a cost, its gradients with
// respect to the parameters an optimiser updates, the results the builder
// kept, and the dropout masks to redraw before each run. Every model's
// training step is one or more of these.
type TrainGraph struct {
	vm    *Machine
	masks []Mask
	nodes []*G.Node
	grads []*tensor.Dense
}

// NewTrainGraph adds the gradients of cost with respect to wrt to b and
// compiles b's graph. Keep the results to report before calling it: the
// compiled graph computes only the gradients and the kept results.
func NewTrainGraph(b *Builder, cost *G.Node, wrt Params) (*TrainGraph, error) {
	nodes := b.Grad(cost, wrt)
	vm, err := b.Compile()
	if err != nil {
		return nil, err
	}
	return &TrainGraph{vm: vm, masks: b.Masks(), nodes: nodes, grads: make([]*tensor.Dense, len(nodes))}, nil
}

// Run draws new dropout masks from rng (nothing when the graph has none),
// runs the graph and collects the gradients for [TrainGraph.Grads].
func (t *TrainGraph) Run(rng *rand.Rand) error {
	RefillMasks(t.masks, rng)
	if err := t.vm.Run(); err != nil {
		return err
	}
	for i, n := range t.nodes {
		t.grads[i] = Value(n)
	}
	return nil
}

// Grads returns the gradients of the last run, in the order of the
// parameters NewTrainGraph was given: what [Adam.Update] takes.
func (t *TrainGraph) Grads() []*tensor.Dense { return t.grads }

// FLOPs returns the floating-point operations of the products of one run,
// forward and backward (see [Machine.FLOPs]).
func (t *TrainGraph) FLOPs() int64 { return t.vm.FLOPs() }
