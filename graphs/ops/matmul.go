package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/gorgozoo/gorgozoo/internal/gemm"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// matMulOp computes op(A)·op(B) for matrices, where op transposes when
// asked, by calling GEMM with transpose flags. Gorgonia's Mul of a
// Transpose node first copies the transposed matrix; a Linear layer stored
// in PyTorch's [out, in] layout needs x·Wᵀ on every step and its gradient
// needs dYᵀ·X, so those copies took a sixth of an MLP step.
type matMulOp struct {
	base
	transA, transB bool
	out            *outBuffer
}

func newMatMulOp(transA, transB bool) matMulOp {
	name := fmt.Sprintf("MatMul(%s·%s)", transposed(transA, "A"), transposed(transB, "B"))
	return matMulOp{base: base{name}, transA: transA, transB: transB, out: &outBuffer{}}
}

// products is the BLAS every matrix product of this package runs on:
// internal/gemm's Sgemm for float32 (its AVX2+FMA kernel, or OpenBLAS
// under -tags openblas), several times faster on the models' layer shapes
// than gonum's, and gonum's Dgemm for float64 (gradient checks). The ops
// call it directly rather than through Gorgonia's global BLAS, so their
// speed and their rounding never depend on what a program installed.
var products gemm.Implementation

// transposed returns s, marked ᵀ when t is set.
func transposed(t bool, s string) string {
	if t {
		return s + "ᵀ"
	}
	return s
}

// MatMul returns op(a)·op(b) for 2-D nodes, where op(m) is mᵀ when the
// matching flag is set. No transposed copy is made.
func MatMul(a, b *G.Node, transA, transB bool) (*G.Node, error) {
	if a.Dims() != 2 || b.Dims() != 2 {
		return nil, fmt.Errorf("matmul needs matrices, got shapes %v and %v", a.Shape(), b.Shape())
	}
	op := newMatMulOp(transA, transB)
	if _, err := op.InferShape(a.Shape(), b.Shape()); err != nil {
		return nil, err
	}
	return G.ApplyOp(op, a, b)
}

// dims returns the sizes of op(A) (m×k) and op(B) (kb×n).
func (op matMulOp) dims(sa, sb tensor.Shape) (m, k, kb, n int) {
	return productDims(sa, sb, op.transA, op.transB)
}

// productDims returns the sizes of op(a) (m×k) and op(b) (kb×n), the
// matrices held in the last two axes of shapes sa and sb, where op
// transposes when its flag is set.
func productDims(sa, sb tensor.Shape, transA, transB bool) (m, k, kb, n int) {
	m, k = sa[len(sa)-2], sa[len(sa)-1]
	if transA {
		m, k = k, m
	}
	kb, n = sb[len(sb)-2], sb[len(sb)-1]
	if transB {
		kb, n = n, kb
	}
	return m, k, kb, n
}

func (op matMulOp) Arity() int { return 2 }

func (op matMulOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

func (op matMulOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, fmt.Errorf("matmul takes 2 inputs, got %d", len(ds))
	}
	sa, ok1 := ds[0].(tensor.Shape)
	sb, ok2 := ds[1].(tensor.Shape)
	if !ok1 || !ok2 || len(sa) != 2 || len(sb) != 2 {
		return nil, fmt.Errorf("matmul needs two matrix shapes, got %v and %v", ds[0], ds[1])
	}
	m, k, kb, n := op.dims(sa, sb)
	if k != kb {
		return nil, fmt.Errorf("%v: inner sizes differ: %v and %v", op, sa, sb)
	}
	return tensor.Shape{m, n}, nil
}

func (op matMulOp) Do(vals ...G.Value) (G.Value, error) {
	a, b, err := op.operands(vals)
	if err != nil {
		return nil, err
	}
	m, _, _, n := op.dims(a.Shape(), b.Shape())
	return op.gemm(op.out.take(a.Dtype(), m, n), a, b)
}

// UsePreallocDo writes into the tape machine's preallocated output, so a
// step allocates nothing here.
func (op matMulOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	a, b, err := op.operands(vals)
	if err != nil {
		return nil, err
	}
	out, ok := prealloc.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%v: preallocated value is %T", op, prealloc)
	}
	return op.gemm(out, a, b)
}

func (op matMulOp) operands(vals []G.Value) (*tensor.Dense, *tensor.Dense, error) {
	in, err := denseInputs(op, 2, vals)
	return in[0], in[1], err
}

func (op matMulOp) gemm(out, a, b *tensor.Dense) (*tensor.Dense, error) {
	m, k, _, n := op.dims(a.Shape(), b.Shape())
	if s := out.Shape(); len(s) != 2 || s[0] != m || s[1] != n {
		return nil, fmt.Errorf("%v: output shape %v, want [%d %d]", op, s, m, n)
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if op.transA {
		ta = blas.Trans
	}
	if op.transB {
		tb = blas.Trans
	}
	lda, ldb := a.Shape()[1], b.Shape()[1]
	switch ad := a.Data().(type) {
	case []float32:
		products.Sgemm(ta, tb, m, n, k, 1, ad, lda, b.Data().([]float32), ldb, 0, out.Data().([]float32), n)
	case []float64:
		products.Dgemm(ta, tb, m, n, k, 1, ad, lda, b.Data().([]float64), ldb, 0, out.Data().([]float64), n)
	default:
		return nil, fmt.Errorf("%v: unsupported type %v", op, a.Dtype())
	}
	return out, nil
}

func (op matMulOp) DiffWRT(int) []bool { return []bool{true, true} }

// SymDiff: for C = op(A)·op(B) with upstream gradient D,
//
//	dA = D·op(B)ᵀ        (A not transposed)   dA = op(B)·Dᵀ   (A transposed)
//	dB = op(A)ᵀ·D        (B not transposed)   dB = Dᵀ·op(A)   (B transposed)
//
// each again a GEMM with flags, so no transposed copies appear in the
// backward pass either.
func (op matMulOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	return productGrads(op, MatMul, inputs, grad, op.transA, op.transB)
}

// productGrads returns the gradients of op(A)·op(B) (MatMul's or
// BatchedMatMul's, given as product) with respect to A and B, by the
// formulas above: each is again a product with flags.
func productGrads(op fmt.Stringer, product func(a, b *G.Node, transA, transB bool) (*G.Node, error), inputs G.Nodes, grad *G.Node, transA, transB bool) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("%v: want 2 inputs, got %d", op, len(inputs))
	}
	a, b := inputs[0], inputs[1]
	var da, db *G.Node
	var err error
	if transA {
		da, err = product(b, grad, transB, true)
	} else {
		da, err = product(grad, b, false, !transB)
	}
	if err != nil {
		return nil, err
	}
	if transB {
		db, err = product(grad, a, true, transA)
	} else {
		db, err = product(a, grad, !transA, false)
	}
	if err != nil {
		return nil, err
	}
	return G.Nodes{da, db}, nil
}
