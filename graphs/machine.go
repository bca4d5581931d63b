package graphs

import (
	"fmt"
	"math"
	"sync"

	"github.com/gorgozoo/gorgozoo/graphs/ops"
	"github.com/gorgozoo/gorgozoo/internal/gemm"
	G "gorgonia.org/gorgonia"
)

// Machine is a compiled graph: build it once, run it every step.
type Machine struct {
	vm    G.VM
	flops int64
}

// machines orders compiling against running. Gorgonia's NewTapeMachine
// writes to the tensor of every node it compiles, shared parameters
// included (it sets their execution engine), so compiling a graph while
// another goroutine runs a graph that reads the same parameters is a data
// race. Compiles take the write lock and runs the read lock, so runs still
// proceed in parallel with each other.
var machines sync.RWMutex

// Compile checks the builder's error and compiles its graph into a tape
// machine. It also makes internal/gemm Gorgonia's BLAS (see useBackend),
// so no program that runs a model can leave it out.
func (b *Builder) Compile() (*Machine, error) {
	if err := b.Err(); err != nil {
		return nil, err
	}
	g := b.G
	if b.pruneOnRun {
		// Gorgonia's Grad differentiates every input of every node on the
		// way back, wanted or not, and a tape machine runs every node of
		// its graph: in a GAN's G graph that is the gradient of each of D's
		// weights, in its D graph the gradient of the images, in a VAE the
		// gradient of the targets — about a third of a step's matrix
		// products thrown away. Compiling only what the gradients and the
		// kept results depend on leaves those out.
		g = b.G.ExactSubgraphRoots(b.wanted...)
	}
	var flops int64
	for _, n := range g.AllNodes() {
		flops += ops.FLOPs(n)
	}
	machines.Lock()
	defer machines.Unlock()
	useBackend()
	return &Machine{vm: G.NewTapeMachine(g), flops: flops}, nil
}

// FLOPs returns the floating-point operations of the products of one run
// (see ops.FLOPs for what is counted): the graph's matrix products and
// convolutions, forward and backward, of the nodes the machine runs.
func (m *Machine) FLOPs() int64 { return m.flops }

// useBackend makes internal/gemm the BLAS of Gorgonia's own operations
// and of the tensor package, unless it already is. gonum's pure-Go Sgemm,
// their default, runs the models' layer shapes several times slower. The
// products of package ops call internal/gemm directly and need no
// installing; this covers anything else that reaches Gorgonia's BLAS.
// Compile calls it while holding machines' write lock, so no graph is
// running while the global changes.
func useBackend() {
	if _, ok := G.WhichBLAS().(gemm.Implementation); !ok {
		gemm.Use()
	}
}

// Run executes the graph once. Reset comes first: without it a tape
// machine that already ran does nothing.
func (m *Machine) Run() error {
	machines.RLock()
	defer machines.RUnlock()
	m.vm.Reset()
	return m.vm.RunAll()
}

// Result holds a node's value as computed in the last run.
//
// Only gradients and the last nodes of a graph can be read directly after a
// run: the tape machine reuses an intermediate node's memory for later
// results once nothing needs it any more (a VAE's per-image BCE buffer was
// seen holding BCE + KL). A Result is a copy taken right after the node is
// computed (Gorgonia's Read), so it is what the node held.
type Result struct {
	v G.Value
}

// Keep returns a Result that holds n's value after every run.
func (b *Builder) Keep(n *G.Node) *Result {
	if b.failed(n) {
		return nil
	}
	r := &Result{}
	b.wanted = append(b.wanted, G.Read(n, &r.v))
	return r
}

// Float32s returns the value's data (nil before the first run).
func (r *Result) Float32s() []float32 {
	if r == nil || r.v == nil {
		return nil
	}
	d, _ := r.v.Data().([]float32)
	return d
}

// Float64s returns the value's data in a float64 graph.
func (r *Result) Float64s() []float64 {
	if r == nil || r.v == nil {
		return nil
	}
	d, _ := r.v.Data().([]float64)
	return d
}

// Scalar returns a scalar value as float64 (NaN before the first run).
func (r *Result) Scalar() float64 {
	if r == nil || r.v == nil {
		return math.NaN()
	}
	switch d := r.v.Data().(type) {
	case float32:
		return float64(d)
	case float64:
		return d
	case []float32:
		if len(d) == 1 {
			return float64(d[0])
		}
	case []float64:
		if len(d) == 1 {
			return d[0]
		}
	}
	return math.NaN()
}

// String describes the held value, for debugging.
func (r *Result) String() string { return fmt.Sprint(r.v) }
