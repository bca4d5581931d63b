package ops

import (
	"fmt"
	"math"
	"strconv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgozoo/gorgozoo/internal/parallel"
	"github.com/gorgozoo/gorgozoo/internal/vec"
)

// actKind names an elementwise activation.
type actKind uint8

const (
	actReLU actKind = iota
	actLeakyReLU
	actTanh
	actSigmoid
	actSiLU
)

// actOp is an elementwise activation y = f(x), or (grad set) its backward
// pass dx = dy ⊙ f'(x) computed from the saved output y and the upstream
// gradient dy: y > 0 for ReLU and LeakyReLU (slope > 0 keeps the sign),
// 1 − y² for tanh, y(1 − y) for the sigmoid. SiLU's derivative
// σ(x)(1 + x(1 − σ(x))) = σ + y(1 − σ) cannot be read off y alone: its
// forward pass keeps σ(x) beside y for the backward pass, which takes y
// (so that it runs after the forward pass) and reads that σ rather than
// computing it again. Gorgonia's Rectify,
// LeakyRelu, Tanh and Sigmoid and the products, negations and squares of
// their gradients each returned a fresh tensor on every run (most of a
// DCGAN step's 90 MB), on one core; this op keeps its output from run to
// run, as every op here does, and splits large tensors over the cores.
type actOp struct {
	base
	kind  actKind
	slope float64 // of LeakyReLU for x < 0
	grad  bool    // (y, dy) → dx instead of (x) → y
	dims  int
	out   *outBuffer
	sig   *siluSigma
}

// siluSigma is the σ(x) a SiLU node's forward pass keeps for its
// gradient node, which shares it. want is set when the gradient node is
// made, so that a graph without one (a sampler's) keeps nothing.
type siluSigma struct {
	outBuffer
	want bool
}

// newActOp names the kind, the slope (exactly, so that two slopes never
// hash alike) and the direction.
func newActOp(kind actKind, slope float64, grad bool, dims int) actOp {
	name := [...]string{"ReLU", "LeakyReLU", "Tanh", "Sigmoid", "SiLU"}[kind]
	if kind == actLeakyReLU {
		name += "(" + strconv.FormatFloat(slope, 'g', -1, 64) + ")"
	}
	if grad {
		name += "Grad"
	}
	return actOp{base: base{name}, kind: kind, slope: slope, grad: grad, dims: dims, out: &outBuffer{}, sig: &siluSigma{}}
}

// ReLU returns max(x, 0) for a tensor x.
func ReLU(x *G.Node) (*G.Node, error) { return activate(x, actReLU, 0) }

// LeakyReLU returns x for x ≥ 0 and slope·x otherwise, for a tensor x;
// slope must not be negative (the gradient is read off the sign of the
// output).
func LeakyReLU(x *G.Node, slope float64) (*G.Node, error) {
	if !(slope >= 0) {
		return nil, fmt.Errorf("leaky relu: slope %v is negative or NaN", slope)
	}
	return activate(x, actLeakyReLU, slope)
}

// Tanh returns tanh(x) for a tensor x.
func Tanh(x *G.Node) (*G.Node, error) { return activate(x, actTanh, 0) }

// Sigmoid returns 1/(1+e⁻ˣ) for a tensor x.
func Sigmoid(x *G.Node) (*G.Node, error) { return activate(x, actSigmoid, 0) }

// SiLU returns x·σ(x) (the sigmoid-weighted linear unit, or swish), for a
// tensor x; it is 0 where σ(x) underflows to 0, so −∞ gives 0.
func SiLU(x *G.Node) (*G.Node, error) { return activate(x, actSiLU, 0) }

func activate(x *G.Node, kind actKind, slope float64) (*G.Node, error) {
	return G.ApplyOp(newActOp(kind, slope, false, x.Dims()), x)
}

func (op actOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}

func (op actOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	if op.grad {
		return hm.NewFnType(t, t, t)
	}
	return hm.NewFnType(t, t)
}

func (op actOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, fmt.Errorf("%v takes %d inputs, got %d", op, op.Arity(), len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%v: input shape %v is not a tensor shape", op, ds[0])
	}
	if op.grad {
		if s2, ok := ds[1].(tensor.Shape); !ok || !s.Eq(s2) {
			return nil, fmt.Errorf("%v: shapes %v and %v differ", op, ds[0], ds[1])
		}
	}
	return s.Clone(), nil
}

func (op actOp) Do(vals ...G.Value) (G.Value, error) { return do(op, vals, act[float32], act[float64]) }

// act fills the output from x (forward) or from y and dy (backward) over
// the cores.
func act[T float](op actOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	x := in[0]
	if op.grad && !in[1].Shape().Eq(x.Shape()) {
		return nil, fmt.Errorf("%v: shapes %v and %v differ", op, x.Shape(), in[1].Shape())
	}
	out := op.out.take(x.Dtype(), x.Shape()...)
	src, dst, dy := data[T](x), data[T](out), data[T](in[1])
	var sig []T // SiLU's σ(x); the output itself when no gradient needs it
	if op.kind == actSiLU {
		switch t := op.sig.t; {
		case !op.grad && op.sig.want:
			sig = data[T](op.sig.take(x.Dtype(), x.Shape()...))
		case !op.grad:
			sig = dst
		case t == nil || t.Dtype() != x.Dtype() || !t.Shape().Eq(x.Shape()):
			return nil, fmt.Errorf("%v: the forward pass has kept no σ(x) of shape %v", op, x.Shape())
		default:
			sig = data[T](t)
		}
	}
	parallel.Pieces(len(src), func(lo, hi int) { actPiece(op, dst[lo:hi], src[lo:hi], sig, dy, lo) })
	return out, nil
}

// actPiece fills dst from src (x forward, y backward) and, backward,
// dy[off:], with SiLU's σ(x) at sig[off:]. Tanh, the sigmoid and SiLU
// work in float64 for both element types (package vec for float32), so
// large |x| saturates to ±1 or 0/1 instead of overflowing.
func actPiece[T float](op actOp, dst, src, sig, dy []T, off int) {
	switch {
	case op.kind == actSiLU && op.grad:
		siluGrad(dst, src, sig[off:off+len(dst)], dy[off:off+len(dst)])
	case op.kind == actSiLU:
		silu(dst, src, sig[off:off+len(dst)])
	case op.grad && (op.kind == actTanh || op.kind == actSigmoid):
		actGradSmooth(dst, src, dy[off:off+len(dst)], op.kind)
	case op.grad:
		actGradLinear(dst, src, dy[off:off+len(dst)], T(op.slope))
	case op.kind == actTanh || op.kind == actSigmoid:
		actSmooth(dst, src, op.kind)
	default:
		actLinear(dst, src, T(op.slope))
	}
}

// actLinear is ReLU (slope 0) and LeakyReLU. ReLU sets 0 rather than
// multiplying by 0, so that −∞ gives 0 and not NaN.
func actLinear[T float](dst, x []T, slope T) {
	if slope == 0 {
		for i, v := range x {
			dst[i] = max(v, 0)
		}
		return
	}
	for i, v := range x {
		if v <= 0 {
			v *= slope
		}
		dst[i] = v
	}
}

// actGradLinear passes dy where y > 0 (so x > 0: the slope is not
// negative) and slope·dy elsewhere, 0 for ReLU even where dy is not
// finite, as PyTorch does.
func actGradLinear[T float](dst, y, dy []T, slope T) {
	if d32, ok := any(dst).([]float32); ok {
		actGradLinear32(d32, any(y).([]float32), any(dy).([]float32), float32(slope))
		return
	}
	for i, v := range y {
		g := dy[i]
		if v <= 0 {
			g *= slope
			if slope == 0 {
				g = 0
			}
		}
		dst[i] = g
	}
}

// actGradLinear32 is actGradLinear's float32 case without a branch on
// the sign of y, which a training step's activations make unpredictable
// (half of them are zero): the gradient's bits are chosen with a
// conditional move. y ≤ 0 is tested as the bits read as an int32 being
// ≤ 0: true for +0, −0 and every negative number, as the float comparison
// is. A NaN goes by its sign bit (the float comparison calls every NaN
// > 0); a NaN activation has already made the loss NaN, which the
// trainers refuse to step on.
func actGradLinear32(dst, y, dy []float32, slope float32) {
	y, dy = y[:len(dst)], dy[:len(dst)]
	for i, v := range y {
		g := dy[i]
		bits := math.Float32bits(g)
		scaled := math.Float32bits(g * slope)
		if slope == 0 {
			scaled = 0
		}
		if int32(math.Float32bits(v)) <= 0 {
			bits = scaled
		}
		dst[i] = math.Float32frombits(bits)
	}
}

func actSmooth[T float](dst, x []T, kind actKind) {
	if d32, ok := any(dst).([]float32); ok {
		actSmooth32(d32, any(x).([]float32), kind)
		return
	}
	if kind == actTanh {
		for i, v := range x {
			dst[i] = T(math.Tanh(float64(v)))
		}
		return
	}
	for i, v := range x {
		dst[i] = T(sigmoid(float64(v)))
	}
}

// actSmooth32 is actSmooth's float32 case, through package vec's fast
// math.
func actSmooth32(dst, x []float32, kind actKind) {
	if kind == actTanh {
		vec.Tanh(dst, x)
		return
	}
	vec.Sigmoid(dst, x)
}

// sigmoid never exponentiates a positive number, so it cannot overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func actGradSmooth[T float](dst, y, dy []T, kind actKind) {
	if kind == actTanh {
		for i, v := range y {
			dst[i] = dy[i] * (1 - v*v)
		}
		return
	}
	for i, v := range y {
		dst[i] = dy[i] * v * (1 - v)
	}
}

// silu fills sig with σ(x) and dst with x·σ(x), 0 where σ(x) is 0,
// which x = −∞ would make ∞·0 (package vec's SiLU for float32); sig may
// be dst.
func silu[T float](dst, x, sig []T) {
	if d32, ok := any(dst).([]float32); ok {
		vec.SiLU(d32, any(sig).([]float32), any(x).([]float32))
		return
	}
	x, sig = x[:len(dst)], sig[:len(dst)]
	for i, v := range x {
		s := T(sigmoid(float64(v)))
		sig[i], dst[i] = s, 0
		if s != 0 {
			dst[i] = v * s
		}
	}
}

// siluGrad fills dst with dy·(σ + y(1 − σ)) from y = x·σ(x) and σ(x).
// Where σ is 0 or 1 it takes the limits 0 and dy, which at x = ±∞ the
// product would make ∞·0.
func siluGrad[T float](dst, y, sig, dy []T) {
	y, sig = y[:len(dst)], sig[:len(dst)]
	for i, d := range dy[:len(dst)] {
		switch s := sig[i]; s {
		case 0:
			dst[i] = 0
		case 1:
			dst[i] = d
		default:
			dst[i] = d * (s + y[i]*(1-s))
		}
	}
}

// DiffWRT: the activation is differentiable in its input; the gradient
// op is not differentiated again.
func (op actOp) DiffWRT(inputs int) []bool { return diffFirst(inputs, !op.grad) }

// SymDiff: dx = dy ⊙ f'(x), written in terms of the output y (and, for
// SiLU, the σ(x) its forward pass keeps).
func (op actOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, fmt.Errorf("%v: second derivatives are not supported", op)
	}
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(inputs))
	}
	back := newActOp(op.kind, op.slope, true, op.dims)
	back.sig = op.sig
	op.sig.want = true
	dx, err := G.ApplyOp(back, output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
