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
	base
	mode   bceMode
	fed    bool    // targets are the input after x
	target float64 // the targets when not fed
	dims   int
	out    *outBuffer
	slope  *bceSlopes // shared by the loss and its bceGradX
}

// newBCEOp names the mode and the target (exactly, so that two constant
// targets never hash alike).
func newBCEOp(mode bceMode, fed bool, target float64, dims int, slope *bceSlopes) bceOp {
	name := "BCEWithLogits"
	if !fed {
		name += "Const(" + strconv.FormatFloat(target, 'g', -1, 64) + ")"
	}
	name += [...]string{"", "GradX", "GradT"}[mode]
	return bceOp{base: base{name}, mode: mode, fed: fed, target: target, dims: dims, out: &outBuffer{}, slope: slope}
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
	op := newBCEOp(bceLoss, t != nil, target, x.Dims(), &bceSlopes{})
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
	return do(op, vals, bceDo[float32], bceDo[float64])
}

func bceDo[T float](op bceOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
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
		bceForward(op, data[T](out), data[T](slope), data[T](x), data[T](in[1]))
	case bceGradX:
		slope := op.slope.buf.t
		if slope == nil || !slope.Shape().Eq(x.Shape()) || slope.Dtype() != x.Dtype() {
			return nil, fmt.Errorf("%v: no slope kept for shape %v: the loss did not run forward", op, x.Shape())
		}
		scaleProduct(data[T](out), data[T](slope), data[T](in[1]), 1)
	case bceGradT:
		scaleProduct(data[T](out), data[T](x), data[T](in[1]), -1)
	}
	return out, nil
}

// bceForward sets out to ℓ(x, t) and, unless it is nil, slope to σ(x) − t;
// t is nil for a constant target. float32 goes through package vec,
// which shares one exponential between the value and the slope.
func bceForward[T float](op bceOp, out, slope, x, t []T) {
	if o32, ok := any(out).([]float32); ok {
		s32, x32, t32 := any(slope).([]float32), any(x).([]float32), any(t).([]float32)
		target := float32(op.target)
		parallel.Pieces(len(x32), func(lo, hi int) {
			vec.BCEWithLogits(o32[lo:hi], part(s32, lo, hi), x32[lo:hi], part(t32, lo, hi), target)
		})
		return
	}
	parallel.Pieces(len(x), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			target := op.target
			if t != nil {
				target = float64(t[i])
			}
			out[i] = T(bceValue(float64(x[i]), target))
			if slope != nil {
				slope[i] = T(bceSlope(float64(x[i]), target))
			}
		}
	})
}

// scaleProduct sets dst = s·(a ⊙ b), s = ±1, over the cores: the input
// gradient from the slope (s = 1) or the target gradient from x (s = −1).
func scaleProduct[T float](dst, a, b []T, s T) {
	parallel.Pieces(len(dst), func(lo, hi int) {
		d, a, b := dst[lo:hi], a[lo:hi], b[lo:hi]
		for i := range d {
			d[i] = s * (a[i] * b[i])
		}
	})
}

func part[T float](s []T, lo, hi int) []T {
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

// DiffWRT: the loss is differentiable in x and in fed targets.
func (op bceOp) DiffWRT(inputs int) []bool {
	return diffAll(inputs, op.mode == bceLoss)
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
	dx, err := G.ApplyOp(newBCEOp(bceGradX, op.fed, op.target, op.dims, op.slope), output, grad)
	if err != nil {
		return nil, err
	}
	if !op.fed {
		return G.Nodes{dx}, nil
	}
	dt, err := G.ApplyOp(newBCEOp(bceGradT, op.fed, op.target, op.dims, op.slope), inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dt}, nil
}
