package vae

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/zoo/attention"
)

// ConvEncoder is the convolutional encoder (Arch "conv"): stride-2 4×4
// convolutions with ReLU, the first reading the image's channels, each
// halving the image (28 → 14 → 7 with the default [32, 64] channels),
// the maps flattened as torch.flatten does, one hidden Linear+ReLU layer,
// then Linear heads for μ and log σ². A conditional model joins the
// one-hot label to the flattened features: a label is not an image, so
// it skips the convolutions.
type ConvEncoder struct {
	Convs []*graphs.Conv2d // enc.conv1, enc.conv2, …
	// Attention (conv-attn only) follows the convolution of
	// Config.AttentionStage (the first, at half the image size, for the
	// default 28×28 model): enc.attn.
	Attention *attention.Block
	Hidden    *graphs.Linear // enc.fc1
	Mu        *graphs.Linear // enc.fc_mu
	LogVar    *graphs.Linear // enc.fc_logvar

	channels, height, width int // of the input images, which arrive flat
	attentionAfter          int // index in Convs of the convolution Attention follows
}

func newConvEncoder(cfg Config, layers layerMaker) *ConvEncoder {
	e := &ConvEncoder{attentionAfter: cfg.attentionAt() - 1}
	e.channels, e.height, e.width = cfg.ImageShape()
	in := e.channels
	for i, ch := range cfg.Channels {
		e.Convs = append(e.Convs, layers.conv(fmt.Sprintf("enc.conv%d", i+1), in, ch, 4, 2, 1))
		in = ch
		if i == e.attentionAfter && cfg.Arch == ArchConvAttn {
			e.Attention = layers.attention("enc.attn", ch)
		}
	}
	scale := 1 << len(cfg.Channels)
	features := in * (cfg.Height / scale) * (cfg.Width / scale)
	e.Hidden = layers.linear("enc.fc1", features+cfg.Classes, cfg.Hidden[0])
	e.Mu = layers.linear("enc.fc_mu", cfg.Hidden[0], cfg.Z)
	e.LogVar = layers.linear("enc.fc_logvar", cfg.Hidden[0], cfg.Z)
	return e
}

// Forward implements [Encoder].
func (e *ConvEncoder) Forward(b *graphs.Builder, x, y *G.Node) (mu, logvar *G.Node) {
	if b.Err() != nil || x == nil {
		b.Fail("vae conv encoder", fmt.Errorf("no input images"))
		return nil, nil
	}
	h := b.Reshape(x, x.Shape()[0], e.channels, e.height, e.width)
	for i, c := range e.Convs {
		h = b.ReLU(c.Forward(b, h))
		if i == e.attentionAfter && e.Attention != nil {
			h = e.Attention.Forward(b, h)
		}
	}
	h = b.Flatten(h)
	if y != nil {
		h = b.Concat(1, h, y)
	}
	h = b.ReLU(e.Hidden.Forward(b, h))
	return e.Mu.Forward(b, h), e.LogVar.Forward(b, h)
}

// ConvDecoder mirrors [ConvEncoder]: Linear+ReLU layers from z (joined to
// the one-hot label of a conditional model) to the smallest feature maps,
// then per stage a ×2 nearest-neighbour upsampling and a 3×3 convolution,
// ReLU between stages and none after the last, whose maps (one per image
// channel) are the pixels' logits. Upsampling then convolving stands in
// for the transposed convolution Gorgonia lacks.
type ConvDecoder struct {
	Hidden *graphs.Linear   // dec.fc1: z → hidden
	Maps   *graphs.Linear   // dec.fc2: hidden → the smallest maps, flattened
	Convs  []*graphs.Conv2d // dec.conv1, dec.conv2, …
	// Attention (conv-attn only) reads the maps of the size the
	// encoder's block reads, before the stage that upsamples them (the
	// last stage for the default 28×28 model, at half the image size):
	// dec.attn.
	Attention *attention.Block
	// Labels (Config.LabelLayers only) embed the one-hot label as one
	// value per channel, added to the maps of each stage before it
	// upsamples them: dec.label1, dec.label2, …
	Labels []*graphs.Linear

	channels, height, width int // of the smallest maps
	attentionBefore         int // index in Convs of the stage Attention comes before
}

func newConvDecoder(cfg Config, layers layerMaker) *ConvDecoder {
	stages := len(cfg.Channels)
	d := &ConvDecoder{
		channels: cfg.Channels[stages-1],
		height:   cfg.Height >> stages,
		width:    cfg.Width >> stages,
	}
	d.Hidden = layers.linear("dec.fc1", cfg.Z+cfg.Classes, cfg.Hidden[0])
	d.Maps = layers.linear("dec.fc2", cfg.decoderInput(cfg.Hidden[0]), d.channels*d.height*d.width)
	d.attentionBefore = stages - cfg.attentionAt()
	image, _, _ := cfg.ImageShape()
	in := d.channels
	for i := range stages {
		out := image
		if j := stages - 2 - i; j >= 0 {
			out = cfg.Channels[j]
		}
		if i == d.attentionBefore && cfg.Arch == ArchConvAttn {
			d.Attention = layers.attention("dec.attn", in)
		}
		if cfg.LabelLayers {
			d.Labels = append(d.Labels, layers.linear(fmt.Sprintf("dec.label%d", i+1), cfg.Classes, in))
		}
		d.Convs = append(d.Convs, layers.conv(fmt.Sprintf("dec.conv%d", i+1), in, out, 3, 1, 1))
		in = out
	}
	return d
}

// Forward implements [Decoder].
func (d *ConvDecoder) Forward(b *graphs.Builder, z, y *G.Node) *G.Node {
	if b.Err() != nil || z == nil {
		b.Fail("vae conv decoder", fmt.Errorf("no latent input"))
		return nil
	}
	h := z
	if y != nil {
		h = b.Concat(1, z, y)
	}
	h = b.ReLU(d.Hidden.Forward(b, h))
	if d.Labels != nil {
		h = b.Concat(1, h, y)
	}
	h = b.ReLU(d.Maps.Forward(b, h))
	h = b.Reshape(h, z.Shape()[0], d.channels, d.height, d.width)
	for i, c := range d.Convs {
		if i == d.attentionBefore && d.Attention != nil {
			h = d.Attention.Forward(b, h)
		}
		if d.Labels != nil {
			h = b.AddToMaps(h, d.Labels[i].Forward(b, y))
		}
		h = c.Forward(b, b.Upsample(h, 2))
		if i+1 < len(d.Convs) {
			h = b.ReLU(h)
		}
	}
	return b.Flatten(h)
}
