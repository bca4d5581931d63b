package gan

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// ConvGenerator is DCGAN's generator (Radford et al. 2016) with S stages
// (S = len(Config.GChannels), so the image sides must be multiples of
// 2^S), nearest-neighbour upsampling and a 3×3 convolution in place of
// each transposed convolution (Gorgonia has none, and upsample+conv
// avoids the checkerboard artefacts, Odena et al. 2016). With channels
// C0 … C(S−1) and C image channels:
//
//	z → fc → [C0, H/2^S, W/2^S] → PixelNorm, ReLU
//	  → upsample ×2 → conv 3×3 → [C1, H/2^(S−1), W/2^(S−1)] → PixelNorm, ReLU
//	  → …
//	  → upsample ×2 → conv 3×3 → [C, H, W] → tanh
//
// For 28×28 images S is 2 (fc to 7×7, then 14×14 and 28×28). PixelNorm
// stands in for DCGAN's BatchNorm: it needs no batch statistics, so a
// sample does not depend on the rest of its batch and a checkpoint holds
// only weights. SAGAN adds the self-attention block after the stage whose
// maps are the largest of at most 16×16 (see [Config.AttentionScale]). The
// layers are declared in the order of the parameters in checkpoints,
// which [ConvGenerator.Params] follows.
type ConvGenerator struct {
	// Mix is a mixture's first layer, one per generator
	// (<prefix>.g.<k>.fc); nil for a single generator, which has FC.
	Mix       *MixtureLinear
	FC        *graphs.Linear   // <prefix>.fc; nil in a mixture
	Convs     []*graphs.Conv2d // <prefix>.conv1 … <prefix>.convS; the last makes the C image channels
	Attention Block            // <prefix>.attn; nil for DCGAN
	// Norms are a conditional generator's class gains and biases after
	// each PixelNorm (<prefix>.cnorm1 … <prefix>.cnormS); nil when
	// unconditional.
	Norms    []*ClassNorm
	Channels []int // C0 … C(S−1), Config.GChannels
	C, H, W  int   // output image shape

	attnAfter int // index of the conv the attention block follows
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
	chans, s := cfg.GChannels, len(cfg.GChannels)
	c, h, w := cfg.ImageShape()
	g := &ConvGenerator{
		Channels: chans,
		C:        c,
		H:        h,
		W:        w,
	}
	if k := cfg.GenCount(); k > 1 {
		g.Mix = newMixtureLinear(prefix, "fc", k, in, chans[0]*(h>>s)*(w>>s), rng)
	} else {
		g.FC = graphs.NewLinear(prefix+".fc", in, chans[0]*(h>>s)*(w>>s), rng)
	}
	for k := range s {
		out := c
		if k+1 < s {
			out = chans[k+1]
		}
		g.Convs = append(g.Convs, graphs.NewConv2d(fmt.Sprintf("%s.conv%d", prefix, k+1), chans[k], out, 3, 1, 1, rng))
	}
	if cfg.Arch == "sagan" {
		// Stage k's output maps are H/2^(S−1−k) high.
		g.attnAfter = s - 1 - cfg.AttentionScale()
		var err error
		if g.Attention, err = newAttention(prefix+".attn", chans[g.attnAfter+1], false, rng); err != nil {
			return nil, err
		}
	}
	if cfg.Classes > 0 {
		for k, ch := range chans {
			g.Norms = append(g.Norms, NewClassNorm(fmt.Sprintf("%s.cnorm%d", prefix, k+1), cfg.Classes, ch))
		}
	}
	return g, nil
}

// Forward returns G(z) for z [batch, in]: images [batch, C·H·W] in [-1, 1].
// A conditional generator reads [z, y], and after each PixelNorm scales
// and shifts the maps by the class's gains and biases.
func (g *ConvGenerator) Forward(b *graphs.Builder, z, y *G.Node) *G.Node {
	return g.ForwardMix(b, z, y, nil)
}

// ForwardMix is Forward for a mixture: which [batch, K] names, one-hot,
// the generator of each row (nil for a single generator).
func (g *ConvGenerator) ForwardMix(b *graphs.Builder, z, y, which *G.Node) *G.Node {
	if b.Err() != nil {
		return nil
	}
	if z == nil {
		b.Fail("generator", fmt.Errorf("no noise input"))
		return nil
	}
	if (y == nil) != (g.Norms == nil) {
		b.Fail("generator", fmt.Errorf("labels given: %v, but the generator has %d class norms", y != nil, len(g.Norms)))
		return nil
	}
	if y != nil {
		z = b.Concat(1, z, y)
	}
	norm := func(k int, h *G.Node) *G.Node {
		h = b.PixelNorm(h)
		if y != nil {
			h = g.Norms[k].Forward(b, h, y)
		}
		return b.ReLU(h)
	}
	batch, s := z.Shape()[0], len(g.Convs)
	var first *G.Node
	if g.Mix != nil {
		first = g.Mix.Forward(b, z, which)
	} else {
		first = g.FC.Forward(b, z)
	}
	h := b.Reshape(first, batch, g.Channels[0], g.H>>s, g.W>>s)
	h = norm(0, h)
	for k, conv := range g.Convs {
		h = conv.Forward(b, b.Upsample(h, 2))
		if k+1 == s {
			break
		}
		h = norm(k+1, h)
		if g.Attention != nil && k == g.attnAfter {
			h = g.Attention.Forward(b, h)
		}
	}
	return b.Reshape(b.Tanh(h), batch, g.C*g.H*g.W)
}

// Params returns the generator's parameters: fc (a mixture's first
// layers), the convolutions in order, attention, the class norms.
func (g *ConvGenerator) Params() graphs.Params { return graphs.CollectParams(g) }

// ConvDiscriminator is DCGAN's discriminator: S 4×4 convolutions of stride
// 2 with LeakyReLU (H → H/2 → … → H/2^S, S = len(Config.DChannels)), then
// a linear layer to one logit. A pack of images (PacGAN) enters as Pack·C
// input channels: the pack's images one after another, each with its C
// channels. SAGAN adds the self-attention block after the stage whose maps
// are the largest of at most 16×16 (see [Config.AttentionScale]) and
// spectral normalisation on every layer.
//
// The layers are declared in the order of the parameters in checkpoints,
// which [ConvDiscriminator.Params] follows.
type ConvDiscriminator struct {
	Convs     []*graphs.Conv2d // <prefix>.conv1 … <prefix>.convS
	Attention Block            // <prefix>.attn; nil for DCGAN
	FC        *graphs.Linear   // <prefix>.fc
	// Embed is a conditional discriminator's class embedding
	// (<prefix>.embed.weight, [Classes·Pack, features]) for the
	// projection term; nil when unconditional. EmbedSN is its spectral
	// normalisation in a spectrally normalised D.
	Embed   *graphs.Param
	EmbedSN *graphs.SpectralNorm
	// GenHead is a mixture's classifier of which generator drew an
	// image, on the features φ(x): Generators logits per image of a pack
	// (<prefix>.gen_head); nil with one generator.
	GenHead    *graphs.Linear
	Generators int
	Classes    int
	Slope      float64
	Dropout    graphs.Dropout // after each LeakyReLU, in training graphs
	Pack       int
	C, H, W    int // input image shape

	attnAfter int // index of the conv the attention block follows
}

// newConvDiscriminator returns the discriminator cfg describes, its
// parameters named prefix.conv1.weight and so on.
func newConvDiscriminator(prefix string, cfg Config, rng *rand.Rand) (*ConvDiscriminator, error) {
	chans, s := cfg.DChannels, len(cfg.DChannels)
	pack := max(cfg.DPack, 1)
	c, h, w := cfg.ImageShape()
	d := &ConvDiscriminator{
		Slope:   max(cfg.DSlope, 0),
		Dropout: graphs.Dropout{P: max(cfg.DDropout, 0)},
		Pack:    pack,
		C:       c,
		H:       h,
		W:       w,
	}
	in := pack * c
	for k, out := range chans {
		d.Convs = append(d.Convs, graphs.NewConv2d(fmt.Sprintf("%s.conv%d", prefix, k+1), in, out, 4, 2, 1, rng))
		in = out
	}
	d.FC = graphs.NewLinear(prefix+".fc", chans[s-1]*(h>>s)*(w>>s), 1, rng)
	spectral := cfg.DNorm == "spectral"
	if cfg.Arch == "sagan" {
		// Stage k's output maps are H/2^(k+1) high.
		d.attnAfter = cfg.AttentionScale() - 1
		var err error
		if d.Attention, err = newAttention(prefix+".attn", chans[d.attnAfter], spectral, rng); err != nil {
			return nil, err
		}
	}
	if spectral {
		for _, conv := range d.Convs {
			conv.SN = graphs.NewSpectralNorm(conv.Weight, rng)
		}
		d.FC.SN = graphs.NewSpectralNorm(d.FC.Weight, rng)
	}
	if cfg.Classes > 0 {
		// Drawn after every other parameter, so that an unconditional
		// model's initialisation is unchanged.
		features := chans[s-1] * (h >> s) * (w >> s)
		d.Classes = cfg.Classes
		d.Embed = graphs.NewParam(prefix+".embed.weight", cfg.Classes*pack, features)
		graphs.Uniform(d.Embed, 1/math.Sqrt(float64(features)), rng)
		if spectral {
			d.EmbedSN = graphs.NewSpectralNorm(d.Embed, rng)
		}
	}
	if k := cfg.GenCount(); k > 1 {
		d.Generators = k
		d.GenHead = graphs.NewLinear(prefix+".gen_head", chans[s-1]*(h>>s)*(w>>s), k*pack, rng)
		if spectral {
			d.GenHead.SN = graphs.NewSpectralNorm(d.GenHead.Weight, rng)
		}
	}
	return d, nil
}

// Forward returns D's logits [batch/Pack, 1] for images x [batch, C·H·W]
// and, for a conditional D, their one-hot labels y [batch, Classes] (nil
// when unconditional). A conditional D is a projection discriminator
// (Miyato & Koyama 2018): logit = ψ(φ(x)) + ⟨embed(y), φ(x)⟩, φ(x) the
// features the last convolution leaves and ψ the linear layer fc; the
// labels of a pack are joined, as its images are.
func (d *ConvDiscriminator) Forward(b *graphs.Builder, x, y *G.Node) *G.Node {
	logits, _ := d.ForwardHeads(b, x, y)
	return logits
}

// ForwardHeads is Forward that also returns a mixture's generator logits
// [batch, Generators] (nil with one generator).
func (d *ConvDiscriminator) ForwardHeads(b *graphs.Builder, x, y *G.Node) (logits, gen *G.Node) {
	if b.Err() != nil {
		return nil, nil
	}
	if x == nil {
		b.Fail("discriminator", fmt.Errorf("no input images"))
		return nil, nil
	}
	if (y == nil) != (d.Embed == nil) {
		b.Fail("discriminator", fmt.Errorf("labels given: %v, but the discriminator has %d classes", y != nil, d.Classes))
		return nil, nil
	}
	batch := x.Shape()[0]
	if batch%d.Pack != 0 {
		b.Fail("discriminator", fmt.Errorf("batch %d is not a multiple of the pack size %d", batch, d.Pack))
		return nil, nil
	}
	// The images of a pack are consecutive rows, each C planes, so they
	// become the pack's Pack·C channels.
	h := b.Reshape(x, batch/d.Pack, d.Pack*d.C, d.H, d.W)
	for k, conv := range d.Convs {
		h = d.Dropout.Forward(b, b.LeakyReLU(conv.Forward(b, h), d.Slope))
		if d.Attention != nil && k == d.attnAfter {
			h = d.Attention.Forward(b, h)
		}
	}
	phi := b.Flatten(h)
	logits = d.FC.Forward(b, phi)
	if d.GenHead != nil {
		gen = b.Reshape(d.GenHead.Forward(b, phi), batch, d.Generators)
	}
	if y == nil {
		return logits, gen
	}
	perClass := b.MatMul(b.Reshape(y, batch/d.Pack, d.Classes*d.Pack), b.Weight(d.Embed, d.EmbedSN), false, false)
	proj := b.Sum(b.Mul(phi, perClass), 1)
	if proj == nil {
		return nil, nil
	}
	return b.Add(logits, b.Reshape(proj, batch/d.Pack, 1)), gen
}

// Params returns the discriminator's parameters: the convolutions in
// order, attention, fc, the class embedding, the generator head, with the spectral-norm
// buffers after each layer's weight and bias.
func (d *ConvDiscriminator) Params() graphs.Params { return graphs.CollectParams(d) }

// SpectralNorms returns the normalisations of D's layers, whose power
// iterations the training step advances once per step.
func (d *ConvDiscriminator) SpectralNorms() []*graphs.SpectralNorm {
	var sns []*graphs.SpectralNorm
	for _, conv := range d.Convs {
		if conv.SN != nil {
			sns = append(sns, conv.SN)
		}
	}
	if d.FC.SN != nil {
		sns = append(sns, d.FC.SN)
	}
	if d.EmbedSN != nil {
		sns = append(sns, d.EmbedSN)
	}
	if d.GenHead != nil && d.GenHead.SN != nil {
		sns = append(sns, d.GenHead.SN)
	}
	if a, ok := d.Attention.(interface {
		SpectralNorms() []*graphs.SpectralNorm
	}); ok {
		sns = append(sns, a.SpectralNorms()...)
	}
	return sns
}
