package ops

import (
	"fmt"
	"math"
	"runtime"

	"github.com/chewxy/hm"
	"github.com/gorgozoo/gorgozoo/internal/parallel"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Softmax returns softmax along the last axis of x: every run of x's last
// axis becomes exp(x_j − m) / Σ_k exp(x_k − m), with m the run's maximum,
// so exp never overflows.
func Softmax(x *G.Node) (*G.Node, error) {
	return G.ApplyOp(softmaxOp{base: base{"Softmax(last axis)"}, dims: x.Dims(), out: &outBuffer{}}, x)
}

// softmaxOp is softmax along the last axis.
type softmaxOp struct {
	base
	dims int
	out  *outBuffer
}

func (op softmaxOp) Arity() int { return 1 }

func (op softmaxOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}

func (op softmaxOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, fmt.Errorf("%v takes 1 input, got %d", op, len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%v: input shape %v is not a tensor shape", op, ds[0])
	}
	return s.Clone(), nil
}

func (op softmaxOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, softmaxDo[float32], softmaxDo[float64])
}

func softmaxDo[T float](op softmaxOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	x := in[0]
	out := op.out.take(x.Dtype(), x.Shape()...)
	n := x.Shape()[x.Dims()-1]
	switch xd := any(data[T](x)).(type) {
	case []float32:
		dst := data[float32](out)
		inRowChunks(len(xd)/n, func(lo, hi int) { softmaxRows32(dst[lo*n:hi*n], xd[lo*n:hi*n], n) })
	case []float64:
		softmaxRows64(data[float64](out), xd, n)
	}
	return out, nil
}

// softmaxRows32 and softmaxRows64 differ in their exponential only (see
// exp32); they are written out rather than generic so that the float32
// loop calls exp32 directly, with no type switch per value.
func softmaxRows32(dst, src []float32, n int) {
	for r := 0; r < len(src); r += n {
		row, out := src[r:r+n], dst[r:r+n]
		m := row[0]
		for _, v := range row[1:] {
			m = max(m, v)
		}
		var sum float64
		for j, v := range row {
			e := exp32(v - m)
			out[j] = e
			sum += float64(e)
		}
		inv := float32(1 / sum)
		for j := range out {
			out[j] *= inv
		}
	}
}

func softmaxRows64(dst, src []float64, n int) {
	for r := 0; r < len(src); r += n {
		row, out := src[r:r+n], dst[r:r+n]
		m := row[0]
		for _, v := range row[1:] {
			m = max(m, v)
		}
		var sum float64
		for j, v := range row {
			e := math.Exp(v - m)
			out[j] = e
			sum += e
		}
		inv := 1 / sum
		for j := range out {
			out[j] *= inv
		}
	}
}

// exp32 returns eˣ for x ≤ 0 in float32: Cephes' expf (range reduction to
// |r| ≤ ln2/2, a degree-7 polynomial, scaling by 2ᵏ; relative error below
// 1e-7). math.Exp took a fifth of the attention block's forward and
// backward pass, and in a summing loop like the softmax's exp32 measured
// 5.7 ns a value against 8–11 ns for float32(math.Exp(x)) (machine shared).
// Results below e⁻⁸⁷·³³, where float32 turns subnormal, are 0; a softmax
// weight that small next to the row's maximum weight of at least 1/n is
// lost in round-off anyway.
func exp32(x float32) float32 {
	if x < -87.33654 {
		return 0
	}
	// k = round(x/ln2); for x ≤ 0 the conversion truncates towards zero.
	k := int32(x*math.Log2E - 0.5)
	kf := float32(k)
	r := x - kf*0.693359375 - kf*-2.12194440e-4 // ln2 in two parts, so r is exact
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	p = p*r*r + r + 1
	return p * math.Float32frombits(uint32(k+127)<<23)
}

func (op softmaxOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff: with y = softmax(x) along a row and upstream gradient d,
// ∂L/∂x_j = y_j·(d_j − Σ_k d_k·y_k); it needs only the output.
func (op softmaxOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(inputs))
	}
	dx, err := G.ApplyOp(softmaxGradOp{base: base{"SoftmaxGrad(last axis)"}, dims: op.dims, out: &outBuffer{}}, output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// softmaxGradOp computes softmaxOp's input gradient from its output y and
// the upstream gradient d. Second derivatives are not needed (and
// Gorgonia's second-order gradients are silently wrong), so it has no SymDiff.
type softmaxGradOp struct {
	base
	dims int
	out  *outBuffer
}

func (op softmaxGradOp) Arity() int { return 2 }

func (op softmaxGradOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

func (op softmaxGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, fmt.Errorf("%v takes 2 inputs, got %d", op, len(ds))
	}
	sy, ok1 := ds[0].(tensor.Shape)
	sd, ok2 := ds[1].(tensor.Shape)
	if !ok1 || !ok2 || !sy.Eq(sd) {
		return nil, fmt.Errorf("%v: output %v and its gradient %v differ", op, ds[0], ds[1])
	}
	return sy.Clone(), nil
}

func (op softmaxGradOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, softmaxGradDo[float32], softmaxGradDo[float64])
}

// softmaxGradDo splits the rows over the cores; each row's gradient
// depends on that row alone.
func softmaxGradDo[T float](op softmaxGradOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	y, d := in[0], in[1]
	if !y.Shape().Eq(d.Shape()) {
		return nil, fmt.Errorf("%v: output %v and its gradient %v differ", op, y.Shape(), d.Shape())
	}
	out := op.out.take(y.Dtype(), y.Shape()...)
	n := y.Shape()[y.Dims()-1]
	yd, dd, dx := data[T](y), data[T](d), data[T](out)
	inRowChunks(len(yd)/n, func(lo, hi int) { softmaxGradRows(dx[lo*n:hi*n], yd[lo*n:hi*n], dd[lo*n:hi*n], n) })
	return out, nil
}

func softmaxGradRows[T float](dx, y, d []T, n int) {
	for r := 0; r < len(y); r += n {
		yr, dr, out := y[r:r+n], d[r:r+n], dx[r:r+n]
		var dot T
		for j, v := range yr {
			dot += v * dr[j]
		}
		for j, v := range yr {
			out[j] = v * (dr[j] - dot)
		}
	}
}

// inRowChunks calls f on contiguous ranges [lo, hi) of rows rows spread
// over the cores; rows are independent, so the split does
// not change the result. Small jobs stay on the caller's goroutine.
func inRowChunks(rows int, f func(lo, hi int)) {
	pieces := min(runtime.GOMAXPROCS(0), rows/64)
	if pieces < 2 {
		f(0, rows)
		return
	}
	parallel.For(pieces, pieces, func(_, j int) { f(j*rows/pieces, (j+1)*rows/pieces) })
}
