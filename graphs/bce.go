package graphs

import (
	"fmt"
	"hash"
	"math"
	"strconv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bceMode is what a bceOp computes.
type bceMode uint8

const (
	bceLoss  bceMode = iota // (x[, t]) → ℓ
	bceGradX                // (x[, t], dℓ) → dℓ ⊙ (σ(x) − t)
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
type bceOp struct {
	mode   bceMode
	fed    bool    // targets are the input after x
	target float64 // the targets when not fed
	dims   int
	out    *outBuffer
}

func bce(x, t *G.Node, target float64) (*G.Node, error) {
	op := bceOp{fed: t != nil, target: target, dims: x.Dims(), out: &outBuffer{}}
	if t == nil {
		return G.ApplyOp(op, x)
	}
	return G.ApplyOp(op, x, t)
}

func (op bceOp) Arity() int {
	n := 1 // x
	if op.fed && op.mode != bceGradT {
		n++ // t
	}
	if op.mode != bceLoss {
		n++ // dℓ
	}
	return n
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
	for _, v := range in[1:op.Arity()] {
		if !v.Shape().Eq(x.Shape()) {
			return nil, fmt.Errorf("%v: shapes %v and %v differ", op, x.Shape(), v.Shape())
		}
	}
	out := op.out.take(x.Dtype(), x.Shape()...)
	switch xd := x.Data().(type) {
	case []float32:
		t, dy := bceInputs[float32](op, in)
		od := out.Data().([]float32)
		inPieces(len(xd), func(lo, hi int) { bceCompute(op, od[lo:hi], xd[lo:hi], part(t, lo, hi), part(dy, lo, hi)) })
	case []float64:
		t, dy := bceInputs[float64](op, in)
		od := out.Data().([]float64)
		inPieces(len(xd), func(lo, hi int) { bceCompute(op, od[lo:hi], xd[lo:hi], part(t, lo, hi), part(dy, lo, hi)) })
	default:
		return nil, fmt.Errorf("%v: unsupported type %v", op, x.Dtype())
	}
	return out, nil
}

// bceInputs returns the fed targets (nil for a constant) and the upstream
// gradient (nil forward). denseInputs has checked that the dtypes agree.
func bceInputs[T float32 | float64](op bceOp, in [3]*tensor.Dense) (t, dy []T) {
	i := 1
	if op.fed && op.mode != bceGradT {
		t = in[i].Data().([]T)
		i++
	}
	if op.mode != bceLoss {
		dy = in[i].Data().([]T)
	}
	return t, dy
}

func part[T float32 | float64](s []T, lo, hi int) []T {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

// bceCompute fills dst for one piece; t is nil for a constant target, dy
// nil forward.
func bceCompute[T float32 | float64](op bceOp, dst, x, t, dy []T) {
	if d32, ok := any(dst).([]float32); ok && op.mode != bceGradT {
		bceCompute32(op, d32, any(x).([]float32), any(t).([]float32), any(dy).([]float32))
		return
	}
	target := func(i int) float64 {
		if t != nil {
			return float64(t[i])
		}
		return op.target
	}
	switch op.mode {
	case bceLoss:
		for i, v := range x {
			dst[i] = T(bceValue(float64(v), target(i)))
		}
	case bceGradX:
		for i, v := range x {
			dst[i] = T(float64(dy[i]) * bceSlope(float64(v), target(i)))
		}
	case bceGradT:
		for i, v := range x {
			dst[i] = -dy[i] * v
		}
	}
}

// bceCompute32 is bceCompute's loss and input gradient in float32,
// through fastmath.go, with the constant-target loops written apart so
// that the inner loops make no call per value to find the target.
func bceCompute32(op bceOp, dst, x, t, dy []float32) {
	x = x[:len(dst)]
	target := float32(op.target)
	switch {
	case op.mode == bceLoss && t == nil:
		for i, v := range x {
			dst[i] = bceValue32(v, target)
		}
	case op.mode == bceLoss:
		t = t[:len(x)]
		for i, v := range x {
			dst[i] = bceValue32(v, t[i])
		}
	case t == nil:
		dy = dy[:len(x)]
		for i, v := range x {
			dst[i] = dy[i] * bceSlope32(v, target)
		}
	default:
		t, dy = t[:len(x)], dy[:len(x)]
		for i, v := range x {
			dst[i] = dy[i] * bceSlope32(v, t[i])
		}
	}
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

// SymDiff: dx = dℓ ⊙ (σ(x) − t) and, for fed targets, dt = −dℓ ⊙ x.
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
	back := op
	back.mode, back.out = bceGradX, &outBuffer{}
	dx, err := G.ApplyOp(back, append(append(G.Nodes(nil), inputs...), grad)...)
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
