package vae

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// MLPEncoder is pytorch/examples' encoder: hidden Linear+ReLU layers on
// the pixels (and the one-hot label of a conditional model), then two
// Linear heads for μ and log σ².
type MLPEncoder struct {
	Layers []*graphs.Linear // enc.fc1, enc.fc2, …
	Mu     *graphs.Linear   // enc.fc_mu
	LogVar *graphs.Linear   // enc.fc_logvar
}

func newMLPEncoder(cfg Config, layers layerMaker) *MLPEncoder {
	e := &MLPEncoder{}
	// A conditional model's first layer reads the one-hot label too; only
	// its input width changes, so parameter names stay the same.
	in := cfg.Pixels() + cfg.Classes
	for i, h := range cfg.Hidden {
		e.Layers = append(e.Layers, layers.linear(fmt.Sprintf("enc.fc%d", i+1), in, h))
		in = h
	}
	e.Mu = layers.linear("enc.fc_mu", in, cfg.Z)
	e.LogVar = layers.linear("enc.fc_logvar", in, cfg.Z)
	return e
}

// Forward implements [Encoder], reading [x, y] when y is given.
func (e *MLPEncoder) Forward(b *graphs.Builder, x, y *G.Node) (mu, logvar *G.Node) {
	h := x
	if y != nil {
		h = b.Concat(1, x, y)
	}
	for _, l := range e.Layers {
		h = b.ReLU(l.Forward(b, h))
	}
	return e.Mu.Forward(b, h), e.LogVar.Forward(b, h)
}

// MLPDecoder mirrors [MLPEncoder]: hidden Linear+ReLU layers, then a
// Linear layer to the pixels' logits with no activation. With
// Config.LabelLayers every layer reads the one-hot label beside its input.
type MLPDecoder struct {
	Layers      []*graphs.Linear // dec.fc1, dec.fc2, …
	LabelLayers bool             // the label joins every layer's input, not only the first's
}

func newMLPDecoder(cfg Config, layers layerMaker) *MLPDecoder {
	d := &MLPDecoder{LabelLayers: cfg.LabelLayers}
	sizes := []int{cfg.Z + cfg.Classes}
	for i := len(cfg.Hidden) - 1; i >= 0; i-- {
		sizes = append(sizes, cfg.Hidden[i])
	}
	sizes = append(sizes, cfg.Pixels())
	for i := 0; i+1 < len(sizes); i++ {
		in := sizes[i]
		if i > 0 {
			in = cfg.decoderInput(in)
		}
		d.Layers = append(d.Layers, layers.linear(fmt.Sprintf("dec.fc%d", i+1), in, sizes[i+1]))
	}
	return d
}

// Forward implements [Decoder], reading [z, y] when y is given.
func (d *MLPDecoder) Forward(b *graphs.Builder, z, y *G.Node) *G.Node {
	h := z
	if y != nil {
		h = b.Concat(1, z, y)
	}
	for i, l := range d.Layers {
		if i > 0 && d.LabelLayers {
			h = b.Concat(1, h, y)
		}
		h = l.Forward(b, h)
		if i+1 < len(d.Layers) {
			h = b.ReLU(h)
		}
	}
	return h
}
