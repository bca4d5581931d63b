package vae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/zoo/attention"
)

// Kind names VAE checkpoints.
const Kind = "vae"

// Config describes a VAE and its objective; it is saved in checkpoints so
// that a model can be rebuilt from one. The zero value is the
// pytorch/examples MLP VAE on 28×28 images: 784 → 400 → 20 (μ and log σ²),
// 20 → 400 → 784, β = 1, pixels in [0, 1].
//
// Arch "conv" is the convolutional VAE: each entry of Channels is a
// stride-2 4×4 convolution (halving the image), the first reading the
// image's ImageChannels, then one hidden Linear layer of Hidden[0] units
// before μ and log σ²; the decoder mirrors it with nearest-neighbour
// upsampling and 3×3 convolutions (Gorgonia has no transposed
// convolution), the last making ImageChannels maps. Height and width
// must be divisible by 2^len(Channels).
//
// Pixels are in [0, 1] whatever the channels, and every value (a grey
// level, or a red, green or blue level) is scored by the same Bernoulli
// cross-entropy; see the package documentation.
type Config struct {
	Arch   string `json:"arch"`   // "mlp" (default) or "conv"
	Z      int    `json:"z"`      // latent size; 0 means 20
	Hidden []int  `json:"hidden"` // mlp: encoder hidden sizes, mirrored by the decoder, nil means [400]; conv: the one Linear layer's width, nil means [256]
	Height int    `json:"height"` // image height; 0 means 28
	Width  int    `json:"width"`  // image width; 0 means 28
	// ImageChannels is 1 for grey images, 3 for RGB; 0 means 1 (and
	// keeps a grey model's checkpoint metadata as it was).
	ImageChannels int     `json:"image_channels,omitempty"`
	Beta          float64 `json:"beta"`     // weight of the KL term in training; 0 means 1, negative means 0
	Binarize      bool    `json:"binarize"` // train on Bernoulli draws of the pixels and test on one fixed draw
	// Classes > 0 makes the model class-conditional (a CVAE, Sohn et al.
	// 2015): the encoder reads one-hot(y) beside x (the conv encoder
	// beside its flattened features) and the decoder [z, one-hot(y)]. 0 is
	// the unconditional model; omitempty keeps its checkpoint metadata
	// exactly as it was before the field existed.
	Classes int `json:"classes,omitempty"`
	// LabelLayers (conditional models only) gives the decoder the label
	// at every layer, not only beside z: the MLP decoder joins one-hot(y)
	// to the input of each of its Linear layers; the conv decoder joins it
	// to dec.fc2's input too and adds a learned per-channel label
	// embedding (dec.label1, dec.label2, …) to the maps of each stage
	// before it is upsampled. A label that reaches the output directly is
	// one the decoder cannot ignore. false keeps the label beside z only
	// (and the checkpoint metadata of models made before the field).
	LabelLayers bool `json:"label_layers,omitempty"`
	// BetaWarmup is the number of training steps over which the KL
	// weight rises linearly from 0 to Beta (KL annealing, Bowman et al.
	// 2016); 0 trains with Beta from the first step.
	BetaWarmup int `json:"beta_warmup,omitempty"`
	// Channels are the conv encoder's feature maps per stage, mirrored by
	// the decoder; nil means DefaultChannels(Height, Width), [32, 64] for
	// 28×28. The mlp has none (omitempty keeps
	// its metadata as it was).
	Channels []int `json:"channels,omitempty"`
	// AttentionStage (conv-attn only) is the encoder stage whose output
	// maps the attention block reads (1: after the first convolution);
	// the decoder's block reads the maps of the same size. 0 means 1,
	// except that when Channels is nil too, WithDefaults places the block
	// with the stages it picks for the image size (see
	// [DefaultChannels]). omitempty keeps a stage-1 model's metadata as
	// it was before the field existed.
	AttentionStage int `json:"attention_stage,omitempty"`
	// MaxMemory is the most memory in bytes the model may need (see
	// [Config.Footprint]); 0 means graphs.DefaultMaxMemory. It bounds
	// what a configuration may ask for, not a setting of the model, so
	// checkpoints do not keep it.
	MaxMemory int64 `json:"-"`
}

// WithDefaults returns c with every zero field replaced by its default.
// Because 0 means 1 for Beta, a KL-free objective (β = 0) is asked for
// with a negative Beta, which WithDefaults keeps so that it can be applied
// again.
func (c Config) WithDefaults() Config {
	if c.Arch == "" {
		c.Arch = ArchMLP
	}
	if c.Z == 0 {
		c.Z = 20
	}
	if c.Hidden == nil {
		c.Hidden = []int{400}
		if c.Convolutional() {
			c.Hidden = []int{256}
		}
	}
	if c.ImageChannels == 1 {
		c.ImageChannels = 0 // grey is the default, so metadata stays as it was
	}
	if c.Height == 0 {
		c.Height = 28
	}
	if c.Width == 0 {
		c.Width = 28
	}
	if c.Channels == nil && c.Convolutional() {
		c.Channels = DefaultChannels(c.Height, c.Width)
		if c.Arch == ArchConvAttn && c.AttentionStage == 0 {
			c.AttentionStage = attentionStage(c.Height, c.Width, len(c.Channels))
			if c.AttentionStage == 1 {
				c.AttentionStage = 0 // the stage 0 means, so metadata stays as it was
			}
		}
	}
	if c.Beta == 0 {
		c.Beta = 1
	}
	return c
}

// DefaultChannels returns the conv encoder's default feature maps for
// h×w images: two stages, 32 and 64 maps (28×28 → 7×7, 32×32 → 8×8), and
// one more stage, with twice the maps up to 256, while the smallest maps
// would still be larger than 8 on their shorter side and the image
// divides by the next power of two: 64×64 gets [32, 64, 128] (8×8 maps),
// 128×128 [32, 64, 128, 256]. Keeping the smallest maps near 8×8 keeps
// enc.fc1 and dec.fc2, which read and make them, from growing with the
// image's area.
func DefaultChannels(h, w int) []int {
	stages := 2
	for stages < maxConvStages && min(h, w)>>stages > 8 && h%(2<<stages) == 0 && w%(2<<stages) == 0 {
		stages++
	}
	channels := make([]int, stages)
	for i := range channels {
		channels[i] = min(32<<i, 256)
	}
	return channels
}

// maxAttentionPositions is the most map positions at which the default
// conv-attn places its block: attention compares every position with
// every (pooled) other, so its cost grows with the square of the map's
// area, and 16×16 maps keep it affordable on a CPU.
const maxAttentionPositions = 16 * 16

// attentionStage returns the first of stages encoder stages (1-based)
// whose output maps, for h×w images, have at most maxAttentionPositions
// positions, or the last stage when none has: 1 for 28×28 (14×14 maps)
// and 32×32 (16×16), 2 for 64×64 (16×16).
func attentionStage(h, w, stages int) int {
	for k := 1; k < stages; k++ {
		if (h>>k)*(w>>k) <= maxAttentionPositions {
			return k
		}
	}
	return stages
}

// attentionAt returns the encoder stage (1-based) after which a conv-attn
// model's block sits.
func (c Config) attentionAt() int { return max(c.AttentionStage, 1) }

// Convolutional reports whether the architecture is the conv VAE, with or
// without attention.
func (c Config) Convolutional() bool { return c.Arch == ArchConv || c.Arch == ArchConvAttn }

// maxConvStages bounds len(Config.Channels); each stage halves the image.
const maxConvStages = 8

// Validate reports a configuration that cannot be built.
func (c Config) Validate() error {
	switch c.Arch {
	case ArchMLP, ArchConv, ArchConvAttn:
	default:
		return fmt.Errorf("vae: unknown architecture %q (have: %s)", c.Arch, strings.Join(Archs, ", "))
	}
	if c.ImageChannels != 0 && c.ImageChannels != 1 && c.ImageChannels != 3 {
		return fmt.Errorf("vae: image channels must be 1 (grey) or 3 (RGB), got %d", c.ImageChannels)
	}
	if c.Binarize && c.ImageChannels > 1 {
		return fmt.Errorf("vae: binarize is for grey images (it draws each pixel black or white), but the images have %d channels: train without it", c.ImageChannels)
	}
	if c.Z < 1 || c.Height < 1 || c.Width < 1 {
		return fmt.Errorf("vae: latent size %d and image size %dx%d must be positive", c.Z, c.Height, c.Width)
	}
	if c.Classes < 0 || c.Classes > maxClasses {
		return fmt.Errorf("vae: classes must be from 0 (unconditional) to %d, got %d", maxClasses, c.Classes)
	}
	if len(c.Hidden) > maxLayers {
		return fmt.Errorf("vae: at most %d hidden layers, got %d", maxLayers, len(c.Hidden))
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("vae: hidden sizes must be positive, got %v", c.Hidden)
		}
	}
	if math.IsNaN(c.Beta) || math.IsInf(c.Beta, 0) {
		return fmt.Errorf("vae: β must be finite (negative: 0), got %v", c.Beta)
	}
	if c.LabelLayers && c.Classes == 0 {
		return fmt.Errorf("vae: label layers are for a conditional model (classes > 0)")
	}
	if c.BetaWarmup < 0 {
		return fmt.Errorf("vae: β warm-up must be a number of steps (0: none), got %d", c.BetaWarmup)
	}
	if c.AttentionStage != 0 && c.Arch != ArchConvAttn {
		return fmt.Errorf("vae: attention stage %d is for the conv-attn architecture, not %s", c.AttentionStage, c.Arch)
	}
	if c.Arch == ArchMLP {
		if len(c.Channels) > 0 {
			return fmt.Errorf("vae: channels %v are for the conv architecture; the mlp has none", c.Channels)
		}
		return c.Footprint().Check("vae", inferBatch, c.MaxMemory)
	}
	if len(c.Hidden) != 1 {
		return fmt.Errorf("vae: the conv architecture has one hidden Linear layer (enc.fc1, mirrored by dec.fc1), got hidden sizes %v", c.Hidden)
	}
	if len(c.Channels) < 1 || len(c.Channels) > maxConvStages {
		return fmt.Errorf("vae: the conv architecture needs 1 to %d channel counts (one per stride-2 stage), got %d", maxConvStages, len(c.Channels))
	}
	for _, ch := range c.Channels {
		if ch < 1 {
			return fmt.Errorf("vae: channel counts must be positive, got %v", c.Channels)
		}
	}
	if f := 1 << len(c.Channels); c.Height%f != 0 || c.Width%f != 0 {
		return fmt.Errorf("vae: the conv architecture halves the image %d times (channels %v), so its height and width must be divisible by %d; got %dx%d (resize the images to such a size)", len(c.Channels), c.Channels, f, c.Height, c.Width)
	}
	if c.AttentionStage < 0 || c.AttentionStage > len(c.Channels) {
		return fmt.Errorf("vae: attention stage must be from 1 to %d (one per channel count %v; 0 means 1), got %d", len(c.Channels), c.Channels, c.AttentionStage)
	}
	return c.Footprint().Check("vae", inferBatch, c.MaxMemory)
}

// maxLayers bounds len(Config.Hidden): each layer is graph nodes too,
// whose cost the footprint does not count.
const maxLayers = 64

// Footprint estimates, from the configuration alone, the parameters New
// makes and the activations of one image through the encoder and the
// decoder. c must have its defaults and pass Validate's other checks.
func (c Config) Footprint() graphs.Footprint {
	var f graphs.Footprint
	image, _, _ := c.ImageShape()
	pixels := int(graphs.MulSat(int64(image), graphs.MulSat(int64(c.Height), int64(c.Width))))
	z := c.Z
	zy := int(graphs.AddSat(int64(c.Z), int64(c.Classes)))
	if !c.Convolutional() {
		in := int(graphs.AddSat(int64(pixels), int64(c.Classes)))
		for _, h := range c.Hidden {
			f.Linear(in, h)
			in = h
		}
		f.Linear(in, z)
		f.Linear(in, z)
		in = zy
		for i := len(c.Hidden) - 1; i >= 0; i-- {
			f.Linear(in, c.Hidden[i])
			in = c.decoderInput(c.Hidden[i])
		}
		f.Linear(in, pixels)
		return f
	}
	stages := len(c.Channels)
	attn := c.attentionAt()
	addAttention := func(channels int) {
		if c.Arch == ArchConvAttn {
			f.Add(attentionConfig.Footprint(channels, c.Height>>attn, c.Width>>attn, false), 1)
		}
	}
	in := image
	for i, ch := range c.Channels {
		f.Conv(in, ch, 4, c.Height>>(i+1), c.Width>>(i+1))
		in = ch
		if i+1 == attn {
			addAttention(ch)
		}
	}
	maps := int(graphs.MulSat(int64(in), graphs.MulSat(int64(c.Height>>stages), int64(c.Width>>stages))))
	hidden := c.Hidden[0]
	f.Linear(int(graphs.AddSat(int64(maps), int64(c.Classes))), hidden)
	f.Linear(hidden, z)
	f.Linear(hidden, z)
	f.Linear(zy, hidden)
	f.Linear(c.decoderInput(hidden), maps)
	for i := range stages {
		out := image
		if j := stages - 2 - i; j >= 0 {
			out = c.Channels[j]
		}
		h, w := c.Height>>(stages-1-i), c.Width>>(stages-1-i)
		if stages-i == attn {
			addAttention(in)
		}
		if c.LabelLayers {
			f.Linear(c.Classes, in)
		}
		f.Values(graphs.MulSat(int64(in), graphs.MulSat(int64(h), int64(w)))) // upsampled
		f.Conv(in, out, 3, h, w)
		in = out
	}
	return f
}

// decoderInput returns the input width of a decoder layer after one of
// width units: width, and the label's one-hot with LabelLayers.
func (c Config) decoderInput(width int) int {
	if c.LabelLayers {
		return int(graphs.AddSat(int64(width), int64(c.Classes)))
	}
	return width
}

// maxClasses bounds Config.Classes so that a corrupt checkpoint cannot ask
// for an absurd one-hot width.
const maxClasses = 1 << 16

// ImageShape returns the channels, height and width of one image.
func (c Config) ImageShape() (channels, height, width int) {
	return max(c.ImageChannels, 1), c.Height, c.Width
}

// Pixels returns the number of values of one image: channels × height ×
// width, the channels one after another (CHW, as PyTorch stores them).
func (c Config) Pixels() int { return max(c.ImageChannels, 1) * c.Height * c.Width }

// Encoder is the inference network q(z|x): it maps images x [batch,
// pixels] to μ and log σ², each [batch, Z]. A conditional model's encoder
// also reads one-hot labels y [batch, Classes]; y is nil otherwise. Each
// architecture joins y where it fits (the MLP to the pixels, the conv
// encoder to its flattened features), which is why y is passed in rather
// than joined by the caller.
type Encoder interface {
	Forward(b *graphs.Builder, x, y *G.Node) (mu, logvar *G.Node)
}

// Decoder is the generative network p(x|z): it maps latent vectors z
// [batch, Z] (and one-hot labels y [batch, Classes], nil for an
// unconditional model) to Bernoulli logits [batch, pixels]; the loss takes
// logits, pixel intensities are their sigmoid.
type Decoder interface {
	Forward(b *graphs.Builder, z, y *G.Node) *G.Node
}

// Architecture names (Config.Arch).
const (
	ArchMLP  = "mlp"
	ArchConv = "conv"
	// ArchConvAttn is the conv VAE with a self-attention block
	// (zoo/attention) at half resolution in the encoder and the decoder.
	ArchConvAttn = "conv-attn"
)

// Archs lists the architectures New builds.
var Archs = []string{ArchMLP, ArchConv, ArchConvAttn}

// Model is an encoder and a decoder built from one Config.
type Model struct {
	Config Config
	Enc    Encoder
	Dec    Decoder

	params graphs.Params // every layer's, in the order the layers were made
}

// layerMaker makes a model's layers in the order the architecture
// declares them, and records their parameters in that order, which is
// the order of [Model.Params]: the parameters cannot fall out of step
// with the layers. New draws each layer's initial values as it is made,
// so that order is also the initialisation order; Rebind hands out given
// parameters in the same order.
type layerMaker interface {
	linear(name string, in, out int) *graphs.Linear
	conv(name string, in, out, kernel, stride, pad int) *graphs.Conv2d
	attention(name string, channels int) *attention.Block
	made() *madeLayers
}

// madeLayers holds the parameters of the layers made so far, in order,
// and the first error met.
type madeLayers struct {
	params graphs.Params
	err    error
}

func (m *madeLayers) made() *madeLayers { return m }

func (m *madeLayers) add(ps graphs.Params) { m.params = append(m.params, ps...) }

// attentionConfig is the conv-attn VAE's block: the SAGAN authors' form,
// keys and values max-pooled 2×2 and C/2 value channels, which costs a
// quarter of the paper form's attention weights.
var attentionConfig = attention.Config{Pool: true, HalfValues: true}

// freshLayers makes layers with initial values drawn from rng.
type freshLayers struct {
	madeLayers
	rng *rand.Rand
}

func (f *freshLayers) linear(name string, in, out int) *graphs.Linear {
	l := graphs.NewLinear(name, in, out, f.rng)
	f.add(l.Params())
	return l
}

func (f *freshLayers) conv(name string, in, out, kernel, stride, pad int) *graphs.Conv2d {
	c := graphs.NewConv2d(name, in, out, kernel, stride, pad, f.rng)
	f.add(c.Params())
	return c
}

func (f *freshLayers) attention(name string, channels int) *attention.Block {
	a, err := attention.New(name, channels, attentionConfig, f.rng)
	if err != nil {
		if f.err == nil {
			f.err = fmt.Errorf("vae: %w", err)
		}
		return nil
	}
	f.add(a.Params())
	return a
}

// givenLayers hands out ps in order; Rebind has checked beforehand that
// they are the ones the architecture asks for.
type givenLayers struct {
	madeLayers
	ps graphs.Params
}

func (g *givenLayers) next() *graphs.Param {
	p := g.ps[0]
	g.ps = g.ps[1:]
	g.add(graphs.Params{p})
	return p
}

func (g *givenLayers) linear(string, int, int) *graphs.Linear {
	return &graphs.Linear{Weight: g.next(), Bias: g.next()}
}

func (g *givenLayers) conv(_ string, _, _, _, stride, pad int) *graphs.Conv2d {
	return &graphs.Conv2d{Weight: g.next(), Bias: g.next(), Stride: stride, Pad: pad}
}

func (g *givenLayers) attention(name string, channels int) *attention.Block {
	a := &attention.Block{Name: name, Channels: channels, Config: attentionConfig}
	a.F, a.G, a.H = g.conv("", 0, 0, 1, 1, 0), g.conv("", 0, 0, 1, 1, 0), g.conv("", 0, 0, 1, 1, 0)
	a.V = g.conv("", 0, 0, 1, 1, 0)
	a.Gamma = g.next()
	return a
}

// build makes the encoder and the decoder of a validated cfg into m, with
// their parameters in the order layers made them.
func build(m *Model, layers layerMaker) error {
	if m.Config.Convolutional() {
		m.Enc = newConvEncoder(m.Config, layers)
		m.Dec = newConvDecoder(m.Config, layers)
	} else {
		m.Enc = newMLPEncoder(m.Config, layers)
		m.Dec = newMLPDecoder(m.Config, layers)
	}
	made := layers.made()
	m.params = made.params
	return made.err
}

// New builds a model with fresh parameters drawn from a generator seeded
// with seed; cfg's zero fields take their defaults. Layers are initialised
// as PyTorch's nn.Linear and nn.Conv2d (uniform in ±1/√fan_in), encoder
// then decoder, each in forward order; for the MLP that is the order of
// pytorch/examples' constructor (fc1, fc21, fc22, fc3, fc4).
func New(cfg Config, seed uint64) (*Model, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Config: cfg}
	if err := build(m, &freshLayers{rng: rand.New(rand.NewPCG(seed, 0x9b05688c))}); err != nil {
		return nil, err
	}
	if err := m.Params().Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Params returns the encoder's parameters, then the decoder's, each in
// the order of its layers.
func (m *Model) Params() graphs.Params { return append(graphs.Params(nil), m.params...) }

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
	out := &Model{Config: m.Config}
	if err := build(out, &givenLayers{ps: ps}); err != nil {
		return nil, err
	}
	return out, nil
}

// Encode adds q(z|x) to b: the encoder on x for an unconditional model
// (y nil), on x and y for a conditional one, y being one-hot labels
// [batch, Classes]. Labels given to an unconditional model, or missing
// for a conditional one, fail the builder.
func (m *Model) Encode(b *graphs.Builder, x, y *G.Node) (mu, logvar *G.Node) {
	if !m.labelsFit(b, "encoder", y) {
		return nil, nil
	}
	return m.Enc.Forward(b, x, y)
}

// Decode adds the decoder's logits for z to b; a conditional model's
// decoder also reads the one-hot labels y, as [Model.Encode] does.
func (m *Model) Decode(b *graphs.Builder, z, y *G.Node) *G.Node {
	if !m.labelsFit(b, "decoder", y) {
		return nil
	}
	return m.Dec.Forward(b, z, y)
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
