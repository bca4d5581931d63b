package graphs

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgozoo/gorgozoo/graphs/ops"
)

// MatMul returns op(a)·op(c) for 2-D nodes, where op(m) is mᵀ when the
// matching flag is set. No transposed copy is made.
func (b *Builder) MatMul(a, c *G.Node, transA, transB bool) *G.Node {
	if b.failed(a, c) {
		return nil
	}
	return b.keep("matmul")(ops.MatMul(a, c, transA, transB))
}

// BatchedMatMul returns the stack of products op(a[i])·op(c[i]) for 3-D
// nodes a [batch, ·, ·] and c [batch, ·, ·], where op(m) is mᵀ when the
// matching flag is set. No transposed copy is made.
func (b *Builder) BatchedMatMul(a, c *G.Node, transA, transB bool) *G.Node {
	if b.failed(a, c) {
		return nil
	}
	return b.keep("batched matmul")(ops.BatchedMatMul(a, c, transA, transB))
}

// ScaleBy returns γ·x for a learned scale γ of shape [1] (PyTorch's
// nn.Parameter(torch.zeros(1))) and x of any shape.
//
// Gorgonia would need a broadcast product here, which repeats γ into a
// tensor the size of x on every run, or a reshape of γ to a 0-d scalar;
// this op reads γ's one value, keeps its output from run to run, and its
// gradients are again one such product (∂L/∂x = γ·d) and one reduction
// (∂L/∂γ = Σ d⊙x).
func (b *Builder) ScaleBy(gamma, x *G.Node) *G.Node {
	if b.failed(gamma, x) {
		return nil
	}
	if !gamma.Shape().Eq(tensor.Shape{1}) {
		b.Fail("scale by", fmt.Errorf("the scale must have shape [1], got %v", gamma.Shape()))
		return nil
	}
	return b.keep("scale by")(ops.ScaleBy(gamma, x))
}

// StackRows joins tensors along their first axis (the batch): a GAN's D
// judges the real and the generated batch in one pass, which gives each
// matrix product twice the rows and sums D's weight gradients inside the
// products instead of adding two gradients afterwards.
func (b *Builder) StackRows(xs ...*G.Node) *G.Node {
	if b.failed(xs...) {
		return nil
	}
	if len(xs) == 0 {
		b.Fail("stack rows", fmt.Errorf("nothing to stack"))
		return nil
	}
	return b.keep("stack rows")(ops.StackRows(xs...))
}

// Rows returns rows [lo, hi) of x along its first axis, as a tensor of its
// own (not a view: the ops after it need plain row-major data anyway).
func (b *Builder) Rows(x *G.Node, lo, hi int) *G.Node {
	if b.failed(x) {
		return nil
	}
	if x.Dims() == 0 || lo < 0 || hi > x.Shape()[0] || lo >= hi {
		b.Fail("rows", fmt.Errorf("rows [%d, %d) of shape %v", lo, hi, x.Shape()))
		return nil
	}
	return b.keep("rows")(ops.Rows(x, lo, hi))
}

// Softmax returns softmax along the last axis of x: every run of x's last
// axis becomes exp(x_j − m) / Σ_k exp(x_k − m), with m the run's maximum,
// so exp never overflows. Self-attention uses it on [batch, queries, keys]
// scores.
//
// Gorgonia's SoftMax is not used: on a 3-D input its forward and backward
// passes start one goroutine per row (12 544 per pass for SAGAN's 14×14
// maps at batch 64) and allocate their outputs on every run, and SoftMax
// and LogSoftMax of one node hash alike, so one replaces the other.
func (b *Builder) Softmax(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	if x.Dims() < 1 || x.Shape()[x.Dims()-1] < 1 {
		b.Fail("softmax", fmt.Errorf("want a tensor with a non-empty last axis, got %v", x.Shape()))
		return nil
	}
	return b.keep("softmax")(ops.Softmax(x))
}

// PixelNorm divides each pixel's feature vector of x [batch, c, h, w] by
// its root mean square over the channels: x / √(mean_c x² + 1e-8)
// (Karras et al. 2018). It normalises a generator's activations without
// batch statistics, so sampling computes exactly what training did and a
// checkpoint needs no running means — unlike BatchNorm, whose Gorgonia
// form keeps them outside the graph.
//
// It is one op with a hand-derived gradient rather than Gorgonia's
// Square, Mean, Sqrt and broadcast division: those and their gradients
// each allocated a fresh tensor on every run.
func (b *Builder) PixelNorm(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	if s := x.Shape(); len(s) != 4 {
		b.Fail("pixel norm", fmt.Errorf("want [batch, c, h, w], got %v", s))
		return nil
	}
	return b.keep("pixel norm")(ops.PixelNorm(x))
}

// SiLU returns x·σ(x), the sigmoid-weighted linear unit (Elfwing et al.
// 2018; "swish"), for a tensor x.
func (b *Builder) SiLU(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	if x.IsScalar() {
		b.Fail("silu", fmt.Errorf("takes a tensor, not a scalar"))
		return nil
	}
	return b.keep("silu")(ops.SiLU(x))
}

// AddToMaps adds a vector per image and channel, v [batch, c], to feature
// maps x [batch, c, h, w]: v[i, k] to every pixel of map k of image i (a
// diffusion U-Net adds its time embedding so). The gradients reach both.
func (b *Builder) AddToMaps(x, v *G.Node) *G.Node {
	if b.failed(x, v) {
		return nil
	}
	if s := x.Shape(); len(s) != 4 || !v.Shape().Eq(s[:2]) {
		b.Fail("add to maps", fmt.Errorf("want maps [batch, c, h, w] and a vector [batch, c], got %v and %v", x.Shape(), v.Shape()))
		return nil
	}
	return b.keep("add to maps")(ops.AddToMaps(x, v))
}
