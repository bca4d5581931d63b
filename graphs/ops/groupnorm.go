package ops

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/gorgozoo/gorgozoo/internal/parallel"
	"github.com/gorgozoo/gorgozoo/internal/vec"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// groupNormEps is PyTorch's nn.GroupNorm default.
const groupNormEps = 1e-5

// GroupNorm normalises x [batch, c, h, w] over groups of c/groups
// consecutive channels, each image and group on its own, and applies the
// per-channel affine map γ [c], β [c]:
//
//	y = (x − μ)/√(σ² + 1e-5)·γ + β
//
// with μ and σ² the mean and (biased) variance of the group's values, as
// PyTorch's nn.GroupNorm computes.
func GroupNorm(x, gamma, beta *G.Node, groups int) (*G.Node, error) {
	if groups < 1 {
		return nil, fmt.Errorf("group norm: %d groups", groups)
	}
	return G.ApplyOp(newGroupNormOp(gnForward, groups, nil), x, gamma, beta)
}

// gnKind says which of the four computations a groupNormOp does.
type gnKind uint8

const (
	gnForward   gnKind = iota // (x, γ, β) → y
	gnGradX                   // (x, γ, dy) → dx
	gnGradGamma               // (dx) → dγ
	gnGradBeta                // (dx) → dβ
)

// groupNormOp is GroupNorm or one of its three gradients. With x̂ = (x−μ)·r
// for one group of m values, r = 1/√(σ² + ε), and g = dy·γ (per channel),
//
//	dx = r·(g − mean(g) − x̂·mean(g·x̂))
//	dγ = Σ dy·x̂,   dβ = Σ dy   (over the batch and the pixels)
//
// μ and r are recomputed from x by dx's op rather than saved by the
// forward pass: the group's values, which it reads anyway, are in the
// cache by then. dx's op also keeps, per image and channel, the sums
// Σ dy·x̂ and Σ dy it needs on the way, which dγ's and dβ's ops then only
// add over the images; they take dx as their input, which makes them run
// after it, and are made with it by SymDiff, sharing its sums.
type groupNormOp struct {
	base
	kind   gnKind
	groups int
	out    *outBuffer
	sums   *groupNormSums
}

// groupNormSums is, per image and channel (image i's channel k at
// i·c + k), Σ dy·x̂ and Σ dy, float64, added over the images in image order
// so that how the batch is split over the cores cannot change a bit.
type groupNormSums struct{ dyXHat, dy []float64 }

func newGroupNormOp(kind gnKind, groups int, sums *groupNormSums) groupNormOp {
	name := fmt.Sprintf("GroupNorm(%d)", groups) + [...]string{"", "GradX", "GradGamma", "GradBeta"}[kind]
	return groupNormOp{base: base{name}, kind: kind, groups: groups, out: &outBuffer{}, sums: sums}
}

func (op groupNormOp) Arity() int { return [...]int{3, 3, 1, 1}[op.kind] }

func (op groupNormOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m, v := G.TensorType{Dims: 4, Of: a}, G.TensorType{Dims: 1, Of: a}
	switch op.kind {
	case gnForward:
		return hm.NewFnType(m, v, v, m)
	case gnGradX:
		return hm.NewFnType(m, v, m, m)
	}
	return hm.NewFnType(m, v)
}

func (op groupNormOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, fmt.Errorf("%v takes %d inputs, got %d", op, op.Arity(), len(ds))
	}
	shapes := make([]tensor.Shape, len(ds))
	for i, d := range ds {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, fmt.Errorf("%v: input %d has no tensor shape: %v", op, i, d)
		}
		shapes[i] = s
	}
	return op.shape(shapes)
}

// shape checks the input shapes and returns the output's.
func (op groupNormOp) shape(in []tensor.Shape) (tensor.Shape, error) {
	x := in[0]
	if len(x) != 4 || x[1]%op.groups != 0 {
		return nil, fmt.Errorf("%v: want [batch, c, h, w] with c a multiple of %d, got %v", op, op.groups, x)
	}
	c := tensor.Shape{x[1]}
	switch op.kind {
	case gnForward:
		if !in[1].Eq(c) || !in[2].Eq(c) {
			return nil, fmt.Errorf("%v: γ %v and β %v must be [%d] for %v", op, in[1], in[2], x[1], x)
		}
		return x.Clone(), nil
	case gnGradX:
		if !in[1].Eq(c) || !in[2].Eq(x) {
			return nil, fmt.Errorf("%v: γ %v and dy %v do not fit %v", op, in[1], in[2], x)
		}
		return x.Clone(), nil
	}
	return c, nil
}

func (op groupNormOp) Do(vals ...G.Value) (G.Value, error) {
	return do(op, vals, groupNormDo[float32], groupNormDo[float64])
}

func groupNormDo[T float](op groupNormOp, in [3]*tensor.Dense) (*tensor.Dense, error) {
	shapes := make([]tensor.Shape, op.Arity())
	for i := range shapes {
		shapes[i] = in[i].Shape()
	}
	s, err := op.shape(shapes)
	if err != nil {
		return nil, err
	}
	out := op.out.take(in[0].Dtype(), s...)
	xs := in[0].Shape()
	n, c, hw := xs[0], xs[1], xs[2]*xs[3]
	dst := data[T](out)
	sums := op.sums
	if op.kind != gnForward && len(sums.dy) != n*c {
		if op.kind != gnGradX {
			return nil, fmt.Errorf("%v: dx's op has kept no sums for %v", op, xs)
		}
		sums.dyXHat, sums.dy = make([]float64, n*c), make([]float64, n*c)
	}
	if op.kind == gnGradGamma || op.kind == gnGradBeta {
		partial := sums.dyXHat
		if op.kind == gnGradBeta {
			partial = sums.dy
		}
		for k := range c {
			var s float64
			for i := range n {
				s += partial[i*c+k]
			}
			dst[k] = T(s)
		}
		return out, nil
	}
	x, gamma, third := data[T](in[0]), data[T](in[1]), data[T](in[2])
	cg := c / op.groups
	m := cg * hw // values in one group, which lie together
	// Groups are independent, so splitting them cannot change a bit.
	parallel.Blocks(n*op.groups, m, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c0 := i % op.groups * cg
			g := gamma[c0 : c0+cg]
			if op.kind == gnForward {
				groupNormForward(dst[i*m:(i+1)*m], x[i*m:(i+1)*m], g, third[c0:c0+cg], hw)
			} else {
				groupNormGradX(dst[i*m:(i+1)*m], x[i*m:(i+1)*m], third[i*m:(i+1)*m], g, hw,
					sums.dyXHat[i*cg:(i+1)*cg], sums.dy[i*cg:(i+1)*cg])
			}
		}
	})
	return out, nil
}

// groupStats returns the mean and 1/√(σ² + ε) of one group's values,
// in two passes (the mean, then the squared deviations from it), which
// stays exact where the mean is large next to the spread.
func groupStats[T float](x []T) (mean, inv float64) {
	mean = sum(x) / float64(len(x))
	return mean, 1 / math.Sqrt(sumSquaredDev(x, mean)/float64(len(x))+groupNormEps)
}

// The sums below run over four float64 accumulators, each taking every
// fourth value, and add them at the end: with one, every addition waits
// for the one before it, and a GroupNorm spent most of its time so.

// sum returns Σ x.
func sum[T float](x []T) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		s0 += float64(v[0])
		s1 += float64(v[1])
		s2 += float64(v[2])
		s3 += float64(v[3])
	}
	for _, v := range x[i:] {
		s0 += float64(v)
	}
	return (s0 + s1) + (s2 + s3)
}

// sumSquaredDev returns Σ (x − m)².
func sumSquaredDev[T float](x []T, m float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		d0, d1, d2, d3 := float64(v[0])-m, float64(v[1])-m, float64(v[2])-m, float64(v[3])-m
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for _, v := range x[i:] {
		d := float64(v) - m
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// sumDyDev returns Σ dy·(x − m); x must be at least as long as dy.
func sumDyDev[T float](dy, x []T, m float64) float64 {
	x = x[:len(dy)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(dy); i += 4 {
		d, v := dy[i:i+4:i+4], x[i:i+4:i+4]
		s0 += float64(d[0]) * (float64(v[0]) - m)
		s1 += float64(d[1]) * (float64(v[1]) - m)
		s2 += float64(d[2]) * (float64(v[2]) - m)
		s3 += float64(d[3]) * (float64(v[3]) - m)
	}
	for j, d := range dy[i:] {
		s0 += float64(d) * (float64(x[i+j]) - m)
	}
	return (s0 + s1) + (s2 + s3)
}

// groupNormForward normalises one group x (its channels' maps of hw
// values one after another) into y, with the channels' γ and β.
func groupNormForward[T float](y, x, gamma, beta []T, hw int) {
	mean, inv := groupStats(x)
	for k, g := range gamma {
		a := float64(g) * inv
		b := float64(beta[k]) - mean*a
		ys, xs := y[k*hw:(k+1)*hw], x[k*hw:(k+1)*hw]
		if y32, ok := any(ys).([]float32); ok {
			vec.Affine(y32, any(xs).([]float32), a, b)
			continue
		}
		for p, v := range xs {
			ys[p] = T(float64(v)*a + b)
		}
	}
}

// groupNormGradX computes dx for one group: with g = dy·γ,
// dx = r·(g − mean(g)) − (x − μ)·r²·mean(g·x̂), a per-channel
// dy·a + (x − μ)·b + c. It sets each channel's Σ dy·x̂ and Σ dy.
func groupNormGradX[T float](dx, x, dy, gamma []T, hw int, sumDyXHat, sumDy []float64) {
	mean, inv := groupStats(x)
	var sumG, sumGX float64 // Σ g and Σ g·x̂
	for k, gk := range gamma {
		xs, ds := x[k*hw:(k+1)*hw], dy[k*hw:(k+1)*hw]
		sumDy[k], sumDyXHat[k] = sum(ds), sumDyDev(ds, xs, mean)*inv
		sumG += float64(gk) * sumDy[k]
		sumGX += float64(gk) * sumDyXHat[k]
	}
	m := float64(len(x))
	b, c := -inv*inv*sumGX/m, -inv*sumG/m
	for k, gk := range gamma {
		a := inv * float64(gk)
		xs, ds, out := x[k*hw:(k+1)*hw], dy[k*hw:(k+1)*hw], dx[k*hw:(k+1)*hw]
		if out32, ok := any(out).([]float32); ok {
			vec.AffineCentred(out32, any(ds).([]float32), any(xs).([]float32), a, mean, b, c)
			continue
		}
		xs, ds = xs[:len(out)], ds[:len(out)]
		for p, v := range xs {
			out[p] = T(float64(ds[p])*a + (float64(v)-mean)*b + c)
		}
	}
}

// DiffWRT: GroupNorm is differentiable in x, γ and β; its gradient ops
// are not differentiated again.
func (op groupNormOp) DiffWRT(inputs int) []bool {
	return diffAll(inputs, op.kind == gnForward)
}

func (op groupNormOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if op.kind != gnForward {
		return nil, fmt.Errorf("%v: second derivatives are not supported", op)
	}
	if len(inputs) != 3 {
		return nil, fmt.Errorf("%v: want 3 inputs, got %d", op, len(inputs))
	}
	x, gamma := inputs[0], inputs[1]
	sums := &groupNormSums{}
	dx, err := G.ApplyOp(newGroupNormOp(gnGradX, op.groups, sums), x, gamma, grad)
	if err != nil {
		return nil, err
	}
	dGamma, err := G.ApplyOp(newGroupNormOp(gnGradGamma, op.groups, sums), dx)
	if err != nil {
		return nil, err
	}
	dBeta, err := G.ApplyOp(newGroupNormOp(gnGradBeta, op.groups, sums), dx)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dGamma, dBeta}, nil
}
