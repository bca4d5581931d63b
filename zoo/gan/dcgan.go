package gan

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// ConvGenerator is DCGAN's generator (Radford et al. 2016) for images whose
// sides are multiples of 4, with nearest-neighbour upsampling and a 3×3
// convolution in place of each transposed convolution (Gorgonia has none,
// and upsample+conv avoids the checkerboard artefacts, Odena et al. 2016):
//
//	z → fc → [C0, H/4, W/4] → PixelNorm, ReLU
//	  → upsample ×2 → conv 3×3 → [C1, H/2, W/2] → PixelNorm, ReLU → (attention)
//	  → upsample ×2 → conv 3×3 → [1, H, W] → tanh
//
// PixelNorm stands in for DCGAN's BatchNorm: it needs no batch statistics,
// so a sample does not depend on the rest of its batch and a checkpoint
// holds only weights. SAGAN adds the self-attention block at H/2. The
// layers are declared in the order of the parameters in checkpoints,
// which [ConvGenerator.Params] follows.
type ConvGenerator struct {
	FC        *graphs.Linear // <prefix>.fc
	Conv1     *graphs.Conv2d // <prefix>.conv1
	Conv2     *graphs.Conv2d // <prefix>.conv2
	Attention Block          // <prefix>.attn; nil for DCGAN
	Channels  [2]int         // C0, C1
	H, W      int            // output image size
}

// Block is a layer that keeps its input's shape, such as the self-attention
// block of package attention.
type Block interface {
	Forward(b *graphs.Builder, x *G.Node) *G.Node
	Params() graphs.Params
}

// newConvGenerator returns the generator cfg describes (Arch "dcgan" or
// "sagan") reading z vectors of size in, its parameters named prefix.fc.weight
// and so on.
func newConvGenerator(prefix string, in int, cfg Config, rng *rand.Rand) (*ConvGenerator, error) {
	c0, c1 := cfg.GChannels[0], cfg.GChannels[1]
	g := &ConvGenerator{
		FC:       graphs.NewLinear(prefix+".fc", in, c0*(cfg.Height/4)*(cfg.Width/4), rng),
		Conv1:    graphs.NewConv2d(prefix+".conv1", c0, c1, 3, 1, 1, rng),
		Conv2:    graphs.NewConv2d(prefix+".conv2", c1, 1, 3, 1, 1, rng),
		Channels: [2]int{c0, c1},
		H:        cfg.Height,
		W:        cfg.Width,
	}
	if cfg.Arch == "sagan" {
		var err error
		if g.Attention, err = newAttention(prefix+".attn", c1, false, rng); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// Forward returns G(z) for z [batch, in]: images [batch, H·W] in [-1, 1].
// A conditional generator reads [z, y].
func (g *ConvGenerator) Forward(b *graphs.Builder, z, y *G.Node) *G.Node {
	if b.Err() != nil {
		return nil
	}
	if z == nil {
		b.Fail("generator", fmt.Errorf("no noise input"))
		return nil
	}
	if y != nil {
		z = b.Concat(1, z, y)
	}
	batch := z.Shape()[0]
	h := b.Reshape(g.FC.Forward(b, z), batch, g.Channels[0], g.H/4, g.W/4)
	h = b.ReLU(b.PixelNorm(h))
	h = b.ReLU(b.PixelNorm(g.Conv1.Forward(b, b.Upsample(h, 2))))
	if g.Attention != nil {
		h = g.Attention.Forward(b, h)
	}
	h = b.Tanh(g.Conv2.Forward(b, b.Upsample(h, 2)))
	return b.Reshape(h, batch, g.H*g.W)
}

// Params returns the generator's parameters: fc, conv1, conv2, attention.
func (g *ConvGenerator) Params() graphs.Params { return graphs.CollectParams(g) }

// ConvDiscriminator is DCGAN's discriminator: two 4×4 convolutions of
// stride 2 with LeakyReLU (H → H/2 → H/4), then a linear layer to one
// logit. A pack of images (PacGAN) enters as that many input channels.
// SAGAN adds the self-attention block at H/2 and spectral normalisation
// on every layer.
//
// The layers are declared in the order of the parameters in checkpoints,
// which [ConvDiscriminator.Params] follows.
type ConvDiscriminator struct {
	Conv1     *graphs.Conv2d // <prefix>.conv1
	Conv2     *graphs.Conv2d // <prefix>.conv2
	Attention Block          // <prefix>.attn; nil for DCGAN
	FC        *graphs.Linear // <prefix>.fc
	Slope     float64
	Dropout   graphs.Dropout // after each LeakyReLU, in training graphs
	Pack      int
	H, W      int
}

// newConvDiscriminator returns the discriminator cfg describes, its
// parameters named prefix.conv1.weight and so on.
func newConvDiscriminator(prefix string, cfg Config, rng *rand.Rand) (*ConvDiscriminator, error) {
	c1, c2 := cfg.DChannels[0], cfg.DChannels[1]
	pack := max(cfg.DPack, 1)
	d := &ConvDiscriminator{
		Conv1:   graphs.NewConv2d(prefix+".conv1", pack, c1, 4, 2, 1, rng),
		Conv2:   graphs.NewConv2d(prefix+".conv2", c1, c2, 4, 2, 1, rng),
		FC:      graphs.NewLinear(prefix+".fc", c2*(cfg.Height/4)*(cfg.Width/4), 1, rng),
		Slope:   max(cfg.DSlope, 0),
		Dropout: graphs.Dropout{P: max(cfg.DDropout, 0)},
		Pack:    pack,
		H:       cfg.Height,
		W:       cfg.Width,
	}
	spectral := cfg.DNorm == "spectral"
	if cfg.Arch == "sagan" {
		var err error
		if d.Attention, err = newAttention(prefix+".attn", c1, spectral, rng); err != nil {
			return nil, err
		}
	}
	if spectral {
		d.Conv1.SN = graphs.NewSpectralNorm(d.Conv1.Weight, rng)
		d.Conv2.SN = graphs.NewSpectralNorm(d.Conv2.Weight, rng)
		d.FC.SN = graphs.NewSpectralNorm(d.FC.Weight, rng)
	}
	return d, nil
}

// Forward returns D's logits [batch/Pack, 1] for images x [batch, H·W].
// It takes no labels: y must be nil.
func (d *ConvDiscriminator) Forward(b *graphs.Builder, x, y *G.Node) *G.Node {
	if b.Err() != nil {
		return nil
	}
	if x == nil {
		b.Fail("discriminator", fmt.Errorf("no input images"))
		return nil
	}
	if y != nil {
		b.Fail("discriminator", fmt.Errorf("the convolutional discriminator takes no labels"))
		return nil
	}
	batch := x.Shape()[0]
	if batch%d.Pack != 0 {
		b.Fail("discriminator", fmt.Errorf("batch %d is not a multiple of the pack size %d", batch, d.Pack))
		return nil
	}
	// The images of a pack are consecutive rows, so they become channels.
	h := b.Reshape(x, batch/d.Pack, d.Pack, d.H, d.W)
	h = d.Dropout.Forward(b, b.LeakyReLU(d.Conv1.Forward(b, h), d.Slope))
	if d.Attention != nil {
		h = d.Attention.Forward(b, h)
	}
	h = d.Dropout.Forward(b, b.LeakyReLU(d.Conv2.Forward(b, h), d.Slope))
	return d.FC.Forward(b, b.Flatten(h))
}

// Params returns the discriminator's parameters: conv1, conv2, attention,
// fc, with the spectral-norm buffers after each layer's weight and bias.
func (d *ConvDiscriminator) Params() graphs.Params { return graphs.CollectParams(d) }

// SpectralNorms returns the normalisations of D's layers, whose power
// iterations the training step advances once per step.
func (d *ConvDiscriminator) SpectralNorms() []*graphs.SpectralNorm {
	var sns []*graphs.SpectralNorm
	for _, sn := range []*graphs.SpectralNorm{d.Conv1.SN, d.Conv2.SN, d.FC.SN} {
		if sn != nil {
			sns = append(sns, sn)
		}
	}
	if a, ok := d.Attention.(interface {
		SpectralNorms() []*graphs.SpectralNorm
	}); ok {
		sns = append(sns, a.SpectralNorms()...)
	}
	return sns
}
