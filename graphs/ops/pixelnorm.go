package ops

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/gorgozoo/gorgozoo/internal/parallel"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// pixelNormEps keeps an all-zero pixel finite.
const pixelNormEps = 1e-8

// PixelNorm divides each pixel's feature vector of x [batch, c, h, w] by
// its root mean square over the channels: x / √(mean_c x² + 1e-8).
func PixelNorm(x *G.Node) (*G.Node, error) {
	return G.ApplyOp(newPixelNormOp(false), x)
}

// pixelNormOp is PixelNorm, (x) → y, or (grad set) its backward pass
// (x, dy) → dx. With r = √(mean_c x² + ε) for one pixel and C channels,
// y = x/r and ∂r/∂x_k = x_k/(C·r), so
//
//	dx = dy/r − x·(Σ_c dy·x)/(C·r³).
//
// r is recomputed from x rather than saved: it costs one pass over x and
// keeps the two ops independent.
type pixelNormOp struct {
	base
	grad bool
	buf  *pixelNormBuf
}

func newPixelNormOp(grad bool) pixelNormOp {
	name := "PixelNorm"
	if grad {
		name = "PixelNormGrad"
	}
	return pixelNormOp{base: base{name}, grad: grad, buf: &pixelNormBuf{}}
}

// pixelNormBuf is one node's kept output and per-pixel scratch (1/r and,
// backward, Σ dy·x), float64 so that sums over the channels of a float32
// map lose nothing.
type pixelNormBuf struct {
	out     outBuffer
	scratch []float64
}

func (op pixelNormOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}

func (op pixelNormOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	if op.grad {
		return hm.NewFnType(t, t, t)
	}
	return hm.NewFnType(t, t)
}

func (op pixelNormOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, fmt.Errorf("%v takes %d inputs, got %d", op, op.Arity(), len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok || len(s) != 4 {
		return nil, fmt.Errorf("%v: want a [batch, c, h, w] shape, got %v", op, ds[0])
	}
	if op.grad {
		if s2, ok := ds[1].(tensor.Shape); !ok || !s.Eq(s2) {
			return nil, fmt.Errorf("%v: shapes %v and %v differ", op, ds[0], ds[1])
		}
	}
	return s.Clone(), nil
}

func (op pixelNormOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, pixelNormDo[float32], pixelNormDo[float64])
}

func pixelNormDo[T float](op pixelNormOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	x := in[0]
	s := x.Shape()
	if len(s) != 4 || (op.grad && !in[1].Shape().Eq(s)) {
		return nil, fmt.Errorf("%v: bad input shapes %v", op, s)
	}
	out := op.buf.out.take(x.Dtype(), s...)
	n, c, hw := s[0], s[1], s[2]*s[3]
	if need := op.Arity() * n * hw; len(op.buf.scratch) != need {
		op.buf.scratch = make([]float64, need)
	}
	sc := op.buf.scratch
	xd, dst, dy := data[T](x), data[T](out), data[T](in[1])
	// Pixels are independent, so splitting the batch cannot change a bit.
	parallel.Blocks(n, c*hw, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			o, e := i*c*hw, (i+1)*c*hw
			if op.grad {
				pixelNormGrad(dst[o:e], xd[o:e], dy[o:e], sc[2*i*hw:2*(i+1)*hw], c, hw)
			} else {
				pixelNormForward(dst[o:e], xd[o:e], sc[i*hw:(i+1)*hw], c, hw)
			}
		}
	})
	return out, nil
}

// invRMS sets inv[p] = 1/r for each pixel p of one image x [c, hw].
func invRMS[T float](inv []float64, x []T, c, hw int) {
	clear(inv)
	for ch := range c {
		for p, v := range x[ch*hw : (ch+1)*hw] {
			inv[p] += float64(v) * float64(v)
		}
	}
	for p, ss := range inv {
		inv[p] = 1 / math.Sqrt(ss/float64(c)+pixelNormEps)
	}
}

// pixelNormForward normalises one image x [c, hw] into y; inv is [hw]
// scratch.
func pixelNormForward[T float](y, x []T, inv []float64, c, hw int) {
	invRMS(inv, x, c, hw)
	for ch := range c {
		xs, ys := x[ch*hw:(ch+1)*hw], y[ch*hw:(ch+1)*hw]
		for p, v := range xs {
			ys[p] = T(float64(v) * inv[p])
		}
	}
}

// pixelNormGrad computes dx for one image; scratch is [2·hw].
func pixelNormGrad[T float](dx, x, dy []T, scratch []float64, c, hw int) {
	inv, dot := scratch[:hw], scratch[hw:]
	invRMS(inv, x, c, hw)
	clear(dot)
	for ch := range c {
		xs, ds := x[ch*hw:(ch+1)*hw], dy[ch*hw:(ch+1)*hw]
		for p, v := range xs {
			dot[p] += float64(ds[p]) * float64(v)
		}
	}
	// dot becomes (Σ dy·x)/(C·r³), the factor of x.
	for p, d := range dot {
		dot[p] = d * inv[p] * inv[p] * inv[p] / float64(c)
	}
	for ch := range c {
		xs, ds, out := x[ch*hw:(ch+1)*hw], dy[ch*hw:(ch+1)*hw], dx[ch*hw:(ch+1)*hw]
		for p, v := range xs {
			out[p] = T(float64(ds[p])*inv[p] - float64(v)*dot[p])
		}
	}
}

// DiffWRT: the normalisation is differentiable in its input; the
// gradient op is not differentiated again.
func (op pixelNormOp) DiffWRT(inputs int) []bool { return diffFirst(inputs, !op.grad) }

func (op pixelNormOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, fmt.Errorf("%v: second derivatives are not supported", op)
	}
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(inputs))
	}
	dx, err := G.ApplyOp(newPixelNormOp(true), inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
