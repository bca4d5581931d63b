package graphs

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs/ops"
)

// Conv2d is a 2-D convolution over NCHW maps with a square kernel, as
// PyTorch's nn.Conv2d (groups 1, dilation 1).
//
// Forward is our own op (package ops), Caffe's scheme one image at a time:
// im2col into a scratch buffer, then one GEMM W·col whose rows start out
// as the bias, so the result lands in NCHW with no transpose and no bias
// pass. A 1×1 stride-1 unpadded convolution uses the image itself as col.
// The gradients are separate ops: dx = col2im(Wᵀ·dy) per image, dW =
// Σ dy·colᵀ (im2col is redone rather than kept: all of a batch's columns
// would be 29 MB for a 64×14×14 → 32 layer), dbias = Σ dy. dx is not built
// when the input is a fed input, whose gradient nobody can ask for.
//
// The batch is cut into 8 fixed chunks that up to GOMAXPROCS goroutines
// claim; dW sums one partial per chunk in chunk order, so results are
// bit-identical whatever the core count or scheduling. Outputs and scratch
// are kept from run to run.
//
// Measured against Gorgonia's Conv2d + BroadcastAdd (forward, dx, dW,
// dbias at batch 64, medians of 5 runs on 2 shared and very busy cores,
// so ±50%): 1×28×28 k4 s2 p1 → 32: 16.5 → 6.0 ms; 32×14×14 k4 s2 p1 → 64:
// 45 → 36 ms (51.7 → 19.8 in a second run); 64×14×14 k3 p1 → 32: 170 →
// 55 ms; 32×28×28 k3 p1 → 1: 221 → 19 ms; 1×1 32×14×14 → 4: 8.8 → 1.1 ms.
// Bytes allocated per pass fell from 6–124 MB to what the rest of the
// graph allocates. The classifier's training step went from 83 to 40 ms.
// What remains is mostly GEMM (about half) and im2col/col2im; strided
// layers gather element by element.
type Conv2d struct {
	Weight *Param        // [out, in, k, k]
	Bias   *Param        // [out]
	Stride int           // 0 means 1
	Pad    int           // zero padding on every side
	SN     *SpectralNorm // divides Weight by its largest singular value; nil: none
}

// NewConv2d returns a convolution named prefix (parameters prefix.weight
// and prefix.bias) with PyTorch's default initialisation: Kaiming-uniform
// with a = √5, which bounds weight and bias alike by 1/√fan_in, where
// fan_in = in·k·k.
func NewConv2d(prefix string, in, out, kernel, stride, pad int, rng *rand.Rand) *Conv2d {
	c := &Conv2d{
		Weight: NewParam(prefix+".weight", out, in, kernel, kernel),
		Bias:   NewParam(prefix+".bias", out),
		Stride: stride,
		Pad:    pad,
	}
	bound := 1 / math.Sqrt(float64(in*kernel*kernel))
	Uniform(c.Weight, bound, rng)
	Uniform(c.Bias, bound, rng)
	return c
}

// Params returns the layer's parameters, then its spectral-norm buffers.
func (c *Conv2d) Params() Params { return append(Params{c.Weight, c.Bias}, c.SN.params()...) }

// OutSize returns the height (or width) of the output map for an input of
// size n: ⌊(n + 2·pad − k)/stride⌋ + 1.
func (c *Conv2d) OutSize(n int) int {
	k := c.Weight.Shape()[2]
	return (n+2*c.Pad-k)/max(c.Stride, 1) + 1
}

// Forward returns the convolution of x [batch, in, h, w] plus the bias,
// of shape [batch, out, OutSize(h), OutSize(w)].
func (c *Conv2d) Forward(b *Builder, x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	ws := c.Weight.Shape()
	if len(ws) != 4 || ws[2] != ws[3] {
		b.Fail("conv2d", fmt.Errorf("%s has shape %v, want [out, in, k, k]", c.Weight.Name, ws))
		return nil
	}
	xs := x.Shape()
	if x.Dims() != 4 || xs[1] != ws[1] {
		b.Fail("conv2d", fmt.Errorf("%s takes [batch, %d, h, w], got %v", c.Weight.Name, ws[1], xs))
		return nil
	}
	if c.OutSize(xs[2]) < 1 || c.OutSize(xs[3]) < 1 {
		b.Fail("conv2d", fmt.Errorf("%s: a %d×%d kernel does not fit a %d×%d map with padding %d", c.Weight.Name, ws[2], ws[3], xs[2], xs[3], c.Pad))
		return nil
	}
	w := b.Weight(c.Weight, c.SN)
	bias := b.Param(c.Bias)
	if b.failed(w, bias) {
		return nil
	}
	return b.keep("conv2d " + c.Weight.Name)(ops.Conv2d(x, w, bias, max(c.Stride, 1), c.Pad, b.mayNeedGrad(x)))
}

// mayNeedGrad reports whether Grad could ask for a gradient through n:
// Builder.Grad differentiates only bound parameters, so a leaf that is not
// one (a fed input) never needs it.
func (b *Builder) mayNeedGrad(n *G.Node) bool {
	if n.Op() != nil {
		return true
	}
	for _, p := range b.params {
		if p == n {
			return true
		}
	}
	return false
}

// MaxPool2d returns the maximum over each k×k window of x [batch, c, h, w],
// windows k apart (PyTorch's nn.MaxPool2d(k)); a ragged edge is dropped.
func (b *Builder) MaxPool2d(x *G.Node, k int) *G.Node {
	if b.failed(x) {
		return nil
	}
	if x.Dims() != 4 || k < 1 || x.Shape()[2] < k || x.Shape()[3] < k {
		b.Fail("max pool", fmt.Errorf("a %d×%d window needs [batch, c, h, w] with h, w ≥ %d, got %v", k, k, k, x.Shape()))
		return nil
	}
	return b.keep(fmt.Sprintf("max pool %d of %v", k, x.Shape()))(ops.MaxPool2d(x, k))
}

// Flatten returns x [batch, ...] as [batch, features], keeping the
// row-major order of the other axes, so NCHW maps flatten as PyTorch's
// torch.flatten(x, 1) does.
func (b *Builder) Flatten(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	s := x.Shape()
	if len(s) < 2 {
		b.Fail("flatten", fmt.Errorf("want at least [batch, features], got %v", s))
		return nil
	}
	return b.Reshape(x, s[0], s[1:].TotalSize())
}

// Upsample repeats every pixel of x [batch, c, h, w] into a scale×scale
// block (nearest-neighbour upsampling, PyTorch's nn.Upsample(scale_factor=
// scale)). Followed by a Conv2d it stands in for the transposed
// convolution Gorgonia lacks, without its checkerboard artefacts.
func (b *Builder) Upsample(x *G.Node, scale int) *G.Node {
	if b.failed(x) {
		return nil
	}
	if x.Dims() != 4 || scale < 1 {
		b.Fail("upsample", fmt.Errorf("upsampling by %d needs [batch, c, h, w] and a positive scale, got %v", scale, x.Shape()))
		return nil
	}
	return b.keep(fmt.Sprintf("upsample %d of %v", scale, x.Shape()))(ops.Upsample(x, scale))
}
