package vae

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// Kind names VAE checkpoints.
const Kind = "vae"

// Config describes a VAE and its objective; it is saved in checkpoints so
// that a model can be rebuilt from one. The zero value is the
// pytorch/examples MLP VAE on 28×28 images: 784 → 400 → 20 (μ and log σ²),
// 20 → 400 → 784, β = 1, pixels in [0, 1].
type Config struct {
	Arch     string  `json:"arch"`     // "mlp" (default)
	Z        int     `json:"z"`        // latent size; 0 means 20
	Hidden   []int   `json:"hidden"`   // encoder hidden sizes, mirrored by the decoder; nil means [400]
	Height   int     `json:"height"`   // image height; 0 means 28
	Width    int     `json:"width"`    // image width; 0 means 28
	Beta     float64 `json:"beta"`     // weight of the KL term in training; 0 means 1
	Binarize bool    `json:"binarize"` // train on Bernoulli draws of the pixels and test on one fixed draw
	// Classes > 0 makes the model class-conditional (a CVAE, Sohn et al.
	// 2015): the encoder reads [x, one-hot(y)] and the decoder [z,
	// one-hot(y)]. 0 is the unconditional model; omitempty keeps its
	// checkpoint metadata exactly as it was before the field existed.
	Classes int `json:"classes,omitempty"`
}

// WithDefaults returns c with every zero field replaced by its default.
// Because 0 means 1 for Beta, a KL-free autoencoder needs a tiny β (1e-9)
// rather than 0.
func (c Config) WithDefaults() Config {
	if c.Arch == "" {
		c.Arch = "mlp"
	}
	if c.Z == 0 {
		c.Z = 20
	}
	if c.Hidden == nil {
		c.Hidden = []int{400}
	}
	if c.Height == 0 {
		c.Height = 28
	}
	if c.Width == 0 {
		c.Width = 28
	}
	if c.Beta == 0 {
		c.Beta = 1
	}
	return c
}

// Validate reports a configuration that cannot be built.
func (c Config) Validate() error {
	if c.Arch != "mlp" {
		return fmt.Errorf("vae: unknown architecture %q (have: mlp)", c.Arch)
	}
	if c.Z < 1 || c.Height < 1 || c.Width < 1 {
		return fmt.Errorf("vae: latent size %d and image size %dx%d must be positive", c.Z, c.Height, c.Width)
	}
	if c.Classes < 0 || c.Classes > maxClasses {
		return fmt.Errorf("vae: classes must be from 0 (unconditional) to %d, got %d", maxClasses, c.Classes)
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("vae: hidden sizes must be positive, got %v", c.Hidden)
		}
	}
	if !(c.Beta > 0) || math.IsInf(c.Beta, 0) {
		return fmt.Errorf("vae: β must be positive and finite, got %v", c.Beta)
	}
	return nil
}

// maxClasses bounds Config.Classes so that a corrupt checkpoint cannot ask
// for an absurd one-hot width.
const maxClasses = 1 << 16

// Pixels returns the number of pixels of one image.
func (c Config) Pixels() int { return c.Height * c.Width }

// Encoder maps images to the parameters of q(z|x): hidden Linear+ReLU
// layers, then two Linear heads for μ and log σ².
type Encoder struct {
	Layers []*graphs.Linear // enc.fc1, enc.fc2, …
	Mu     *graphs.Linear   // enc.fc_mu
	LogVar *graphs.Linear   // enc.fc_logvar
}

// Forward returns μ and log σ², each [batch, Z], for images x [batch, pixels].
func (e *Encoder) Forward(b *graphs.Builder, x *G.Node) (mu, logvar *G.Node) {
	h := x
	for _, l := range e.Layers {
		h = b.ReLU(l.Forward(b, h))
	}
	return e.Mu.Forward(b, h), e.LogVar.Forward(b, h)
}

// Params returns the encoder's parameters: hidden layers, then μ, then log σ².
func (e *Encoder) Params() graphs.Params {
	var ps graphs.Params
	for _, l := range e.Layers {
		ps = append(ps, l.Params()...)
	}
	return append(append(ps, e.Mu.Params()...), e.LogVar.Params()...)
}

// Decoder maps latent vectors to Bernoulli logits: hidden Linear+ReLU
// layers, then a Linear layer with no activation (the loss takes logits;
// pixel intensities are their sigmoid).
type Decoder struct {
	Layers []*graphs.Linear // dec.fc1, dec.fc2, …
}

// Forward returns the logits [batch, pixels] for z [batch, Z].
func (d *Decoder) Forward(b *graphs.Builder, z *G.Node) *G.Node {
	h := z
	for i, l := range d.Layers {
		h = l.Forward(b, h)
		if i+1 < len(d.Layers) {
			h = b.ReLU(h)
		}
	}
	return h
}

// Params returns the decoder's parameters in layer order.
func (d *Decoder) Params() graphs.Params {
	var ps graphs.Params
	for _, l := range d.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Model is an encoder and a decoder built from one Config.
type Model struct {
	Config Config
	Enc    *Encoder
	Dec    *Decoder
}

// New builds a model with fresh parameters drawn from a generator seeded
// with seed; cfg's zero fields take their defaults. Layers are initialised
// as PyTorch's nn.Linear (uniform in ±1/√in), in the order of pytorch/examples'
// constructor (fc1, fc21, fc22, fc3, fc4).
func New(cfg Config, seed uint64) (*Model, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x9b05688c))
	m := &Model{Config: cfg, Enc: &Encoder{}, Dec: &Decoder{}}
	// A conditional model's first layers read the one-hot label too; only
	// their input width changes, so parameter names stay the same.
	in := cfg.Pixels() + cfg.Classes
	for i, h := range cfg.Hidden {
		m.Enc.Layers = append(m.Enc.Layers, graphs.NewLinear(fmt.Sprintf("enc.fc%d", i+1), in, h, rng))
		in = h
	}
	m.Enc.Mu = graphs.NewLinear("enc.fc_mu", in, cfg.Z, rng)
	m.Enc.LogVar = graphs.NewLinear("enc.fc_logvar", in, cfg.Z, rng)
	// The decoder mirrors the encoder: z → hidden reversed → pixels.
	sizes := []int{cfg.Z + cfg.Classes}
	for i := len(cfg.Hidden) - 1; i >= 0; i-- {
		sizes = append(sizes, cfg.Hidden[i])
	}
	sizes = append(sizes, cfg.Pixels())
	for i := 0; i+1 < len(sizes); i++ {
		m.Dec.Layers = append(m.Dec.Layers, graphs.NewLinear(fmt.Sprintf("dec.fc%d", i+1), sizes[i], sizes[i+1], rng))
	}
	if err := m.Params().Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Params returns the encoder's parameters, then the decoder's.
func (m *Model) Params() graphs.Params {
	return append(m.Enc.Params(), m.Dec.Params()...)
}

// Rebind returns a model of m's architecture whose parameters are ps, given
// in the order of [Model.Params]. It lets a gradient check run the model on
// float64 copies of its parameters.
func (m *Model) Rebind(ps graphs.Params) (*Model, error) {
	want := m.Params()
	if len(ps) != len(want) {
		return nil, fmt.Errorf("vae: rebind: %d parameters for a model with %d", len(ps), len(want))
	}
	for i, p := range want {
		if ps[i].Name != p.Name {
			return nil, fmt.Errorf("vae: rebind: parameter %d is %q, want %q", i, ps[i].Name, p.Name)
		}
	}
	next := func() *graphs.Linear {
		l := &graphs.Linear{Weight: ps[0], Bias: ps[1]}
		ps = ps[2:]
		return l
	}
	out := &Model{Config: m.Config, Enc: &Encoder{}, Dec: &Decoder{}}
	for range m.Enc.Layers {
		out.Enc.Layers = append(out.Enc.Layers, next())
	}
	out.Enc.Mu, out.Enc.LogVar = next(), next()
	for range m.Dec.Layers {
		out.Dec.Layers = append(out.Dec.Layers, next())
	}
	return out, nil
}

// Encode adds q(z|x) to b: the encoder on x for an unconditional model
// (y nil), on [x, y] for a conditional one, y being one-hot labels
// [batch, Classes]. Labels given to an unconditional model, or missing
// for a conditional one, fail the builder.
func (m *Model) Encode(b *graphs.Builder, x, y *G.Node) (mu, logvar *G.Node) {
	if !m.labelsFit(b, "encoder", y) {
		return nil, nil
	}
	if y != nil {
		x = b.Concat(1, x, y)
	}
	return m.Enc.Forward(b, x)
}

// Decode adds the decoder's logits for z to b, reading [z, y] for a
// conditional model as [Model.Encode] does.
func (m *Model) Decode(b *graphs.Builder, z, y *G.Node) *G.Node {
	if !m.labelsFit(b, "decoder", y) {
		return nil
	}
	if y != nil {
		z = b.Concat(1, z, y)
	}
	return m.Dec.Forward(b, z)
}

func (m *Model) labelsFit(b *graphs.Builder, what string, y *G.Node) bool {
	if (y == nil) != (m.Config.Classes == 0) {
		b.Fail("vae "+what, fmt.Errorf("labels given: %v, but the model has %d classes", y != nil, m.Config.Classes))
		return false
	}
	return true
}

// labelInput adds a one-hot label input [batch, Classes] to b, or returns
// nil for an unconditional model, whose graphs then stay as they were.
func (m *Model) labelInput(b *graphs.Builder, name string, batch int) *G.Node {
	if m.Config.Classes == 0 {
		return nil
	}
	return b.Input(name, batch, m.Config.Classes)
}

// oneHot writes the one-hot codes of labels into dst (len(labels)×classes
// values, zeroing any rows past them), after checking every label is in
// [0, classes).
func oneHot(dst []float32, labels []int, classes int) error {
	if len(dst) < len(labels)*classes {
		return fmt.Errorf("vae: one-hot buffer holds %d values, want at least %d labels × %d classes", len(dst), len(labels), classes)
	}
	for i, y := range labels {
		if y < 0 || y >= classes {
			return fmt.Errorf("vae: label %d (image %d) is not a class in [0, %d)", y, i, classes)
		}
	}
	clear(dst)
	for i, y := range labels {
		dst[i*classes+y] = 1
	}
	return nil
}
