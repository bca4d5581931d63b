package ops

import (
	"fmt"
	"hash"
	"math"
	"strconv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgozoo/gorgozoo/internal/parallel"
	"github.com/gorgozoo/gorgozoo/internal/vec"
)

// bceMode is what a bceOp computes.
type bceMode uint8

const (
	bceLoss  bceMode = iota // (x[, t]) → ℓ, keeping σ(x) − t when differentiated
	bceGradX                // (ℓ, dℓ) → dℓ ⊙ (σ(x) − t), from the kept slope
	bceGradT                // (x, dℓ) → −dℓ ⊙ x
)

// bceOp is the binary cross-entropy of logits x against targets t,
// elementwise, in one pass:
//
//	ℓ = max(x, 0) − t·x + log1p(exp(−|x|))
//
// which is −t·log σ(x) − (1−t)·log(1−σ(x)) without overflow or loss of
// precision for any finite x, and its gradients dℓ/dx = σ(x) − t and
// dℓ/dt = −x (each times the upstream gradient). The targets are either a
// second input of x's shape (fed) or one constant for every element;
// softplus(x) is the constant target 0. It replaces Gorgonia's Softplus,
// Neg, HadamardProd, Sub and their gradients, which returned a fresh tensor
// each on every run (for a VAE, several [batch, 784] tensors per step);
// like actOp it keeps its output from run to run and splits large tensors
// over the cores. The math runs in float64 for both dtypes: for float32
// inputs t·x is then exact and the result is rounded once.
//
// Once differentiated, the forward op also writes the slope σ(x) − t into
// a buffer it shares with its gradient op, sharing the exponential with
// the value (vec.BCEWithLogits), so that the backward pass is one
// multiply. The gradient op takes ℓ as its input, not x: that orders it
// after the forward op in the tape, which is what makes the kept slope
// the current one.
type bceOp struct {
	mode   bceMode
	fed    bool    // targets are the input after x
	target float64 // the targets when not fed
	dims   int
	out    *outBuffer
	slope  *bceSlopes // shared by the loss and its bceGradX
}

// bceSlopes is the slope kept between the forward and backward passes.
type bceSlopes struct {
	wanted bool // set by SymDiff: only a differentiated loss keeps it
	buf    outBuffer
}

// BCEWithLogits returns the elementwise binary cross-entropy of logits x
// against targets t of x's shape; its gradient reaches both.
func BCEWithLogits(x, t *G.Node) (*G.Node, error) { return bce(x, t, 0) }

// BCEWithLogitsConst returns the elementwise binary cross-entropy of
// logits x against the same target for every element (0 gives
// softplus(x)).
func BCEWithLogitsConst(x *G.Node, target float64) (*G.Node, error) { return bce(x, nil, target) }

func bce(x, t *G.Node, target float64) (*G.Node, error) {
	op := bceOp{fed: t != nil, target: target, dims: x.Dims(), out: &outBuffer{}, slope: &bceSlopes{}}
	if t == nil {
		return G.ApplyOp(op, x)
	}
	return G.ApplyOp(op, x, t)
}

func (op bceOp) Arity() int {
	if op.mode != bceLoss {
		return 2 // ℓ or x, and dℓ
	}
	if op.fed {
		return 2 // x, t
	}
	return 1 // x
}

func (op bceOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	ts := make([]hm.Type, op.Arity()+1)
	for i := range ts {
		ts[i] = t
	}
	return hm.NewFnType(ts...)
}

func (op bceOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, fmt.Errorf("%v takes %d inputs, got %d", op, op.Arity(), len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%v: input shape %v is not a tensor shape", op, ds[0])
	}
	for _, d := range ds[1:] {
		if s2, ok := d.(tensor.Shape); !ok || !s.Eq(s2) {
			return nil, fmt.Errorf("%v: shapes %v and %v differ", op, ds[0], d)
		}
	}
	return s.Clone(), nil
}

func (op bceOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseInputs(op, op.Arity(), vals)
	if err != nil {
		return nil, err
	}
	x := in[0]
	if op.Arity() == 2 && !in[1].Shape().Eq(x.Shape()) {
		return nil, fmt.Errorf("%v: shapes %v and %v differ", op, x.Shape(), in[1].Shape())
	}
	out := op.out.take(x.Dtype(), x.Shape()...)
	switch op.mode {
	case bceLoss:
		var slope *tensor.Dense
		if op.slope.wanted {
			slope = op.slope.buf.take(x.Dtype(), x.Shape()...)
		}
		err = bceForward(op, out, slope, x, in[1])
	case bceGradX:
		slope := op.slope.buf.t
		if slope == nil || !slope.Shape().Eq(x.Shape()) || slope.Dtype() != x.Dtype() {
			return nil, fmt.Errorf("%v: no slope kept for shape %v: the loss did not run forward", op, x.Shape())
		}
		err = bceBackward(op, out, slope, in[1], 1)
	case bceGradT:
		err = bceBackward(op, out, x, in[1], -1)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// bceForward sets out to ℓ(x, t) and, unless it is nil, slope to σ(x) − t;
// t is nil for a constant target.
func bceForward(op bceOp, out, slope, x, t *tensor.Dense) error {
	switch xd := x.Data().(type) {
	case []float32:
		od, sd, td := out.Data().([]float32), floats[float32](slope), floats[float32](t)
		target := float32(op.target)
		parallel.Pieces(len(xd), func(lo, hi int) {
			vec.BCEWithLogits(od[lo:hi], part(sd, lo, hi), xd[lo:hi], part(td, lo, hi), target)
		})
	case []float64:
		od, sd, td := out.Data().([]float64), floats[float64](slope), floats[float64](t)
		parallel.Pieces(len(xd), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				target := op.target
				if td != nil {
					target = td[i]
				}
				od[i] = bceValue(xd[i], target)
				if sd != nil {
					sd[i] = bceSlope(xd[i], target)
				}
			}
		})
	default:
		return fmt.Errorf("%v: unsupported type %v", op, x.Dtype())
	}
	return nil
}

// bceBackward sets out = sign·dy ⊙ v: the input gradient from the slope
// (sign 1) or the target gradient from x (sign −1).
func bceBackward(op bceOp, out, v, dy *tensor.Dense, sign float64) error {
	switch vd := v.Data().(type) {
	case []float32:
		scaleProduct(out.Data().([]float32), vd, dy.Data().([]float32), float32(sign))
	case []float64:
		scaleProduct(out.Data().([]float64), vd, dy.Data().([]float64), sign)
	default:
		return fmt.Errorf("%v: unsupported type %v", op, v.Dtype())
	}
	return nil
}

// scaleProduct sets dst = s·(a ⊙ b), s = ±1, over the cores.
func scaleProduct[T float32 | float64](dst, a, b []T, s T) {
	parallel.Pieces(len(dst), func(lo, hi int) {
		d, a, b := dst[lo:hi], a[lo:hi], b[lo:hi]
		for i := range d {
			d[i] = s * (a[i] * b[i])
		}
	})
}

// floats is t's data, or nil for a nil tensor.
func floats[T float32 | float64](t *tensor.Dense) []T {
	if t == nil {
		return nil
	}
	return t.Data().([]T)
}

func part[T float32 | float64](s []T, lo, hi int) []T {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

// bceValue is max(x, 0) − t·x + log1p(exp(−|x|)), with the linear part
// written (1−t)·x or −t·x by the sign of x so that a target of exactly 1
// or 0 gives 0 there even for x = ±∞ (not ∞ − ∞).
func bceValue(x, t float64) float64 {
	var lin float64
	switch {
	case x > 0 && t != 1:
		lin = (1 - t) * x
	case x <= 0 && t != 0:
		lin = -t * x
	}
	return lin + math.Log1p(math.Exp(-math.Abs(x)))
}

// bceSlope is σ(x) − t. For x ≥ 0 it is written (1−t) − σ(−x), so that
// the small gradient of a confident right answer (t = 1, large x) is
// σ(−x) to full precision and not 1 − 1 = 0.
func bceSlope(x, t float64) float64 {
	if x >= 0 {
		e := math.Exp(-x)
		return (1 - t) - e/(1+e)
	}
	e := math.Exp(x)
	return e/(1+e) - t
}

func (op bceOp) ReturnsPtr() bool      { return false }
func (op bceOp) CallsExtern() bool     { return false }
func (op bceOp) OverwritesInput() int  { return -1 }
func (op bceOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op bceOp) Hashcode() uint32      { return hashOf(op) }

// String names the mode and the target (exactly, so that two constant
// targets never hash alike): identical op+input nodes are merged.
func (op bceOp) String() string {
	s := "BCEWithLogits"
	if !op.fed {
		s += "Const(" + strconv.FormatFloat(op.target, 'g', -1, 64) + ")"
	}
	return s + [...]string{"", "GradX", "GradT"}[op.mode]
}

// DiffWRT: the loss is differentiable in x and in fed targets.
func (op bceOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	if op.mode == bceLoss {
		for i := range d {
			d[i] = true
		}
	}
	return d
}

// SymDiff: dx = dℓ ⊙ (σ(x) − t), from the slope the loss now keeps, and,
// for fed targets, dt = −dℓ ⊙ x.
// Gorgonia asks for both whenever it differentiates the loss, even when
// no gradient reaches t's side (a VAE's targets are the fed images), so
// dt is built and run every step then; it costs one pass over x into a
// kept buffer, no allocation.
func (op bceOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.mode != bceLoss {
		return nil, fmt.Errorf("%v: second derivatives are not supported", op)
	}
	if len(inputs) != op.Arity() {
		return nil, fmt.Errorf("%v: want %d inputs, got %d", op, op.Arity(), len(inputs))
	}
	op.slope.wanted = true
	back := op
	back.mode, back.out = bceGradX, &outBuffer{}
	dx, err := G.ApplyOp(back, output, grad)
	if err != nil {
		return nil, err
	}
	if !op.fed {
		return G.Nodes{dx}, nil
	}
	back.mode, back.out = bceGradT, &outBuffer{}
	dt, err := G.ApplyOp(back, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dt}, nil
}
