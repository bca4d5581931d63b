package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// batchedMatMulOp computes op(A[i])·op(B[i]) for every i of the leading
// axis of two 3-D tensors, one GEMM call with transpose flags per matrix.
// It is [matMulOp] for stacks of matrices, as self-attention needs
// (per-image query·key products and weighted sums of values). Gorgonia's
// BatchedMatMul is not used: it misbehaves when the inner size is 1 (see
// docs/architecture.md), and its transposes would be copies.
type batchedMatMulOp struct {
	base
	transA, transB bool
	out            *outBuffer
}

func newBatchedMatMulOp(transA, transB bool) batchedMatMulOp {
	name := fmt.Sprintf("BatchedMatMul(%s·%s)", transposed(transA, "A"), transposed(transB, "B"))
	return batchedMatMulOp{base: base{name}, transA: transA, transB: transB, out: &outBuffer{}}
}

// BatchedMatMul returns the stack of products op(a[i])·op(b[i]) for 3-D
// nodes a [batch, ·, ·] and b [batch, ·, ·], where op(m) is mᵀ when the
// matching flag is set. No transposed copy is made.
func BatchedMatMul(a, b *G.Node, transA, transB bool) (*G.Node, error) {
	if a.Dims() != 3 || b.Dims() != 3 {
		return nil, fmt.Errorf("batched matmul needs two [batch, rows, cols] stacks, got shapes %v and %v", a.Shape(), b.Shape())
	}
	op := newBatchedMatMulOp(transA, transB)
	if _, err := op.InferShape(a.Shape(), b.Shape()); err != nil {
		return nil, err
	}
	return G.ApplyOp(op, a, b)
}

// dims returns the sizes of op(A[i]) (m×k) and op(B[i]) (kb×n).
func (op batchedMatMulOp) dims(sa, sb tensor.Shape) (m, k, kb, n int) {
	return productDims(sa, sb, op.transA, op.transB)
}

func (op batchedMatMulOp) Arity() int { return 2 }

func (op batchedMatMulOp) Type() hm.Type {
	t := G.TensorType{Dims: 3, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

func (op batchedMatMulOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, fmt.Errorf("batched matmul takes 2 inputs, got %d", len(ds))
	}
	sa, ok1 := ds[0].(tensor.Shape)
	sb, ok2 := ds[1].(tensor.Shape)
	if !ok1 || !ok2 || len(sa) != 3 || len(sb) != 3 {
		return nil, fmt.Errorf("batched matmul needs two 3-D shapes, got %v and %v", ds[0], ds[1])
	}
	if sa[0] != sb[0] {
		return nil, fmt.Errorf("%v: batch sizes differ: %v and %v", op, sa, sb)
	}
	m, k, kb, n := op.dims(sa, sb)
	if k != kb {
		return nil, fmt.Errorf("%v: inner sizes differ: %v and %v", op, sa, sb)
	}
	return tensor.Shape{sa[0], m, n}, nil
}

func (op batchedMatMulOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseInputs(op, 2, vals)
	if err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	m, _, _, n := op.dims(a.Shape(), b.Shape())
	return op.gemm(op.out.take(a.Dtype(), a.Shape()[0], m, n), a, b)
}

func (op batchedMatMulOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	in, err := denseInputs(op, 2, vals)
	if err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	out, ok := prealloc.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%v: preallocated value is %T", op, prealloc)
	}
	return op.gemm(out, a, b)
}

func (op batchedMatMulOp) gemm(out, a, b *tensor.Dense) (*tensor.Dense, error) {
	sa, sb := a.Shape(), b.Shape()
	m, k, _, n := op.dims(sa, sb)
	batch := sa[0]
	if s := out.Shape(); len(s) != 3 || s[0] != batch || s[1] != m || s[2] != n {
		return nil, fmt.Errorf("%v: output shape %v, want [%d %d %d]", op, s, batch, m, n)
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if op.transA {
		ta = blas.Trans
	}
	if op.transB {
		tb = blas.Trans
	}
	lda, ldb := sa[2], sb[2]
	strideA, strideB, strideC := sa[1]*sa[2], sb[1]*sb[2], m*n
	switch ad := a.Data().(type) {
	case []float32:
		bd, cd := b.Data().([]float32), out.Data().([]float32)
		for i := range batch {
			products.Sgemm(ta, tb, m, n, k, 1, ad[i*strideA:(i+1)*strideA], lda, bd[i*strideB:(i+1)*strideB], ldb, 0, cd[i*strideC:(i+1)*strideC], n)
		}
	case []float64:
		bd, cd := b.Data().([]float64), out.Data().([]float64)
		for i := range batch {
			products.Dgemm(ta, tb, m, n, k, 1, ad[i*strideA:(i+1)*strideA], lda, bd[i*strideB:(i+1)*strideB], ldb, 0, cd[i*strideC:(i+1)*strideC], n)
		}
	default:
		return nil, fmt.Errorf("%v: unsupported type %v", op, a.Dtype())
	}
	return out, nil
}

func (op batchedMatMulOp) DiffWRT(int) []bool { return []bool{true, true} }

// SymDiff uses matMulOp's formulas matrix by matrix: each gradient is again
// a batched product with flags, so the backward pass makes no transposed
// copies either.
func (op batchedMatMulOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	return productGrads(op, BatchedMatMul, inputs, grad, op.transA, op.transB)
}
