package graphs

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Conv2d is a 2-D convolution over NCHW maps with a square kernel, as
// PyTorch's nn.Conv2d (groups 1, dilation 1).
//
// Forward is Gorgonia's Conv2d (im2col, one GEMM with the flattened
// weight, a transpose back to NCHW) plus a broadcast bias. Measured on the
// classifier's training step (two conv layers, batch 64, 70 ms with the
// machine shared): GEMMs took about 40% of it, im2col and col2im 13%, the
// transposes to NCHW 9%, max-pooling 7%. A hand-written NHWC convolution
// would mainly save the transposes, so it is not worth its code yet.
type Conv2d struct {
	Weight *Param // [out, in, k, k]
	Bias   *Param // [out]
	Stride int    // 0 means 1
	Pad    int    // zero padding on every side
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

// Params returns the layer's parameters.
func (c *Conv2d) Params() Params { return Params{c.Weight, c.Bias} }

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
	stride := max(c.Stride, 1)
	w := b.Param(c.Weight)
	y := b.keep("conv2d " + c.Weight.Name)(serialised(func() (*G.Node, error) {
		return G.Conv2d(x, w, tensor.Shape{ws[2], ws[3]}, []int{c.Pad, c.Pad}, []int{stride, stride}, []int{1, 1})
	}))
	bias := b.Reshape(b.Param(c.Bias), 1, ws[0], 1, 1)
	if b.failed(y, bias) {
		return nil
	}
	return b.keep("conv2d bias")(G.BroadcastAdd(y, bias, nil, []byte{0, 2, 3}))
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
	return b.keep(fmt.Sprintf("max pool %d of %v", k, x.Shape()))(serialised(func() (*G.Node, error) {
		return G.MaxPool2D(x, tensor.Shape{k, k}, []int{0, 0}, []int{k, k})
	}))
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
// convolution Gorgonia lacks, without its checkerboard artefacts. It is our
// own op (upsample.go), not Gorgonia's Upsample2D, which is too slow.
func (b *Builder) Upsample(x *G.Node, scale int) *G.Node {
	if b.failed(x) {
		return nil
	}
	if x.Dims() != 4 || scale < 1 {
		b.Fail("upsample", fmt.Errorf("upsampling by %d needs [batch, c, h, w] and a positive scale, got %v", scale, x.Shape()))
		return nil
	}
	return b.keep(fmt.Sprintf("upsample %d of %v", scale, x.Shape()))(blockApply(x, scale, false))
}
