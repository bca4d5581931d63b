package graphs

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgozoo/gorgozoo/graphs/ops"
)

// Builder builds one expression graph. It keeps the first error: once an
// operation fails, every later call returns nil and does nothing, and
// [Builder.Err] reports what went wrong first.
type Builder struct {
	G     *G.ExprGraph
	Dtype tensor.Dtype // of inputs and constants; Float32 unless a gradient check asks for Float64
	// Training turns on training-only layers such as dropout; graphs for
	// sampling and evaluation leave it false.
	Training bool

	err    error
	params map[*Param]*G.Node
	bound  Params
	masks  []Mask
	inputs int // inputs made so far, to keep generated names unique
	// normalised holds each spectrally normalised weight built so far
	normalised map[*SpectralNorm]*G.Node
	// wanted holds the nodes a run must compute once Grad has been called:
	// the gradients and every Keep. Compile leaves out everything else.
	wanted     G.Nodes
	pruneOnRun bool
}

// NewBuilder returns a builder of a new float32 graph.
func NewBuilder() *Builder {
	return &Builder{G: G.NewGraph(), Dtype: tensor.Float32, params: map[*Param]*G.Node{}}
}

// Err returns the first error met while building.
func (b *Builder) Err() error { return b.err }

// Fail records err (with context) unless an earlier error is already kept.
func (b *Builder) Fail(context string, err error) {
	if b.err == nil && err != nil {
		b.err = fmt.Errorf("graphs: %s: %w", context, err)
	}
}

func (b *Builder) failed(xs ...*G.Node) bool {
	if b.err != nil {
		return true
	}
	for _, x := range xs {
		if x == nil {
			b.err = fmt.Errorf("graphs: nil node (an earlier step returned nothing)")
			return true
		}
	}
	return false
}

// keep returns a function that passes a Gorgonia result through, keeping
// its error; it lets each operation be one line: b.keep("op")(G.Op(x)).
func (b *Builder) keep(context string) func(*G.Node, error) *G.Node {
	return func(n *G.Node, err error) *G.Node {
		if err != nil {
			b.Fail(context, err)
			return nil
		}
		return n
	}
}

// Param binds p into the graph: the node's value is p's tensor itself, so
// in-place updates of p are seen by every graph that bound it. Binding the
// same parameter twice returns the same node.
func (b *Builder) Param(p *Param) *G.Node {
	if b.err != nil {
		return nil
	}
	if n, ok := b.params[p]; ok {
		return n
	}
	n := G.NodeFromAny(b.G, p.Value, G.WithName(p.Name))
	b.params[p] = n
	b.bound = append(b.bound, p)
	return n
}

// Bound returns the parameters bound so far, in binding order.
func (b *Builder) Bound() Params { return append(Params(nil), b.bound...) }

// Node returns the node p was bound to, or nil if it was not bound.
func (b *Builder) Node(p *Param) *G.Node { return b.params[p] }

// Input adds an input node backed by a new zero tensor of the builder's
// dtype. Each step copies data into that tensor (see [Value]).
func (b *Builder) Input(name string, shape ...int) *G.Node {
	if b.err != nil {
		return nil
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(b.Dtype))
	b.inputs++
	return G.NodeFromAny(b.G, t, G.WithName(name))
}

// Value returns the tensor backing an input, or the value a gradient or a
// graph's last node holds after a run. Other nodes' memory may have been
// reused for later results by then: read them through [Builder.Keep].
func Value(n *G.Node) *tensor.Dense {
	if n == nil || n.Value() == nil {
		return nil
	}
	t, _ := n.Value().(*tensor.Dense)
	return t
}

// Const returns a scalar constant of the builder's dtype.
func (b *Builder) Const(v float64) *G.Node {
	if b.err != nil {
		return nil
	}
	if b.Dtype == tensor.Float64 {
		return G.NewConstant(v)
	}
	return G.NewConstant(float32(v))
}

// MatMulT returns x·wᵀ for x [n, in] and w [out, in] (PyTorch's Linear
// layout), without copying the transpose.
func (b *Builder) MatMulT(x, w *G.Node) *G.Node { return b.MatMul(x, w, false, true) }

// AddBias adds the vector bias [out] to every row of x [n, out].
func (b *Builder) AddBias(x, bias *G.Node) *G.Node {
	if b.failed(x, bias) {
		return nil
	}
	return b.keep("add bias")(ops.AddBias(x, bias))
}

// ReLU returns max(x, 0).
func (b *Builder) ReLU(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	if x.IsScalar() { // our ops work on tensors only
		return b.keep("relu")(serialised(func() (*G.Node, error) { return G.Rectify(x) }))
	}
	return b.keep("relu")(ops.ReLU(x))
}

// LeakyReLU returns x for x ≥ 0 and alpha·x otherwise; alpha must not be
// negative (the gradient is read off the sign of the output).
func (b *Builder) LeakyReLU(x *G.Node, alpha float64) *G.Node {
	if b.failed(x) {
		return nil
	}
	if !(alpha >= 0) {
		b.Fail("leaky relu", fmt.Errorf("slope %v is negative or NaN", alpha))
		return nil
	}
	if x.IsScalar() {
		return b.keep("leaky relu")(G.LeakyRelu(x, alpha))
	}
	return b.keep("leaky relu")(ops.LeakyReLU(x, alpha))
}

// Tanh returns tanh(x).
func (b *Builder) Tanh(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	if x.IsScalar() {
		return b.keep("tanh")(G.Tanh(x))
	}
	return b.keep("tanh")(ops.Tanh(x))
}

// Sigmoid returns 1/(1+e⁻ˣ).
func (b *Builder) Sigmoid(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	if x.IsScalar() {
		return b.keep("sigmoid")(G.Sigmoid(x))
	}
	return b.keep("sigmoid")(ops.Sigmoid(x))
}

// Softplus returns log(1+eˣ), computed without overflow: the binary
// cross-entropy of x against the target 0 (one op).
func (b *Builder) Softplus(x *G.Node) *G.Node {
	return b.BCEWithLogitsConst(x, 0)
}

// softplusG is Gorgonia's Softplus, for scalars.
func (b *Builder) softplusG(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	return b.keep("softplus")(G.Softplus(x))
}

// Exp returns eˣ.
func (b *Builder) Exp(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	return b.keep("exp")(G.Exp(x))
}

// Square returns x².
func (b *Builder) Square(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	return b.keep("square")(G.Square(x))
}

// Neg returns −x.
func (b *Builder) Neg(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	return b.keep("neg")(G.Neg(x))
}

// Add returns x + y (same shapes, or y a scalar). Two tensors of one
// shape go through an op that keeps its output from run to run.
func (b *Builder) Add(x, y *G.Node) *G.Node {
	if b.failed(x, y) {
		return nil
	}
	if x.Dims() > 0 && x.Shape().Eq(y.Shape()) {
		return b.keep("add")(ops.Add(x, y))
	}
	return b.keep("add")(G.Add(x, y))
}

// Sub returns x − y (same shapes, or y a scalar).
func (b *Builder) Sub(x, y *G.Node) *G.Node {
	if b.failed(x, y) {
		return nil
	}
	return b.keep("sub")(G.Sub(x, y))
}

// Mul returns the elementwise product x ⊙ y (same shapes, or y a scalar).
func (b *Builder) Mul(x, y *G.Node) *G.Node {
	if b.failed(x, y) {
		return nil
	}
	if x.Dims() > 0 && x.Shape().Eq(y.Shape()) {
		return b.keep("mul")(ops.Hadamard(x, y))
	}
	return b.keep("mul")(G.HadamardProd(x, y))
}

// Scale returns c·x.
func (b *Builder) Scale(x *G.Node, c float64) *G.Node {
	return b.Mul(x, b.Const(c))
}

// Mean returns the mean of x along the given axes, or of all its elements.
func (b *Builder) Mean(x *G.Node, along ...int) *G.Node {
	if b.failed(x) {
		return nil
	}
	return b.keep("mean")(G.Mean(x, along...))
}

// Sum returns the sum of x along the given axes, or of all its elements.
// Row sums of a matrix (along axis 1) run through an op that keeps its
// output and gradient buffers from run to run.
func (b *Builder) Sum(x *G.Node, along ...int) *G.Node {
	if b.failed(x) {
		return nil
	}
	if x.Dims() == 2 && len(along) == 1 && along[0] == 1 {
		return b.keep("sum")(ops.RowSum(x))
	}
	return b.keep("sum")(G.Sum(x, along...))
}

// Reshape returns x viewed with a new shape of the same size.
func (b *Builder) Reshape(x *G.Node, shape ...int) *G.Node {
	if b.failed(x) {
		return nil
	}
	return b.keep(fmt.Sprintf("reshape %v to %v", x.Shape(), shape))(G.Reshape(x, shape))
}

// Grad adds the gradient of the scalar cost with respect to each parameter
// and returns the gradient nodes in the same order. Call it once per graph:
// a second Grad on a graph that shares nodes with the first is unreliable.
func (b *Builder) Grad(cost *G.Node, wrt Params) []*G.Node {
	if b.failed(cost) {
		return nil
	}
	nodes := make(G.Nodes, len(wrt))
	for i, p := range wrt {
		n, ok := b.params[p]
		if !ok {
			b.Fail("grad", fmt.Errorf("parameter %s is not bound in this graph", p.Name))
			return nil
		}
		nodes[i] = n
	}
	grads, err := G.Grad(cost, nodes...)
	if err != nil {
		b.Fail("grad", err)
		return nil
	}
	b.wanted = append(b.wanted, grads...)
	b.pruneOnRun = true
	return grads
}

// Sqrt returns √x.
func (b *Builder) Sqrt(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	return b.keep("sqrt")(G.Sqrt(x))
}

// SubRow subtracts the vector v [cols] from every row of x [rows, cols].
func (b *Builder) SubRow(x, v *G.Node) *G.Node {
	if b.failed(x, v) {
		return nil
	}
	return b.keep("subtract row")(G.BroadcastSub(x, v, nil, []byte{0}))
}

// Concat joins nodes along an axis. Two feature maps [batch, c, h, w]
// joined along the channels (axis 1), as a U-Net joins its skip
// connections, go through an op that keeps its output and gradient
// buffers from run to run.
func (b *Builder) Concat(axis int, xs ...*G.Node) *G.Node {
	if b.failed(xs...) {
		return nil
	}
	if axis == 1 && len(xs) == 2 && xs[0].Dims() == 4 && xs[1].Dims() == 4 {
		return b.keep("concat channels")(ops.ConcatChannels(xs[0], xs[1]))
	}
	return b.keep(fmt.Sprintf("concat along %d", axis))(G.Concat(axis, xs...))
}

// Ones returns a constant-valued input of ones (fed once, never changed).
func (b *Builder) Ones(name string, shape ...int) *G.Node {
	n := b.Input(name, shape...)
	if n == nil {
		return nil
	}
	switch d := Value(n).Data().(type) {
	case []float32:
		for i := range d {
			d[i] = 1
		}
	case []float64:
		for i := range d {
			d[i] = 1
		}
	}
	return n
}
