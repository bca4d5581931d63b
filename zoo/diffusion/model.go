package diffusion

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// Kind names diffusion checkpoints.
const Kind = "diffusion"

// Config describes a diffusion model; it is saved in checkpoints so that a
// model can be rebuilt from one. The zero value is the linear schedule with
// T = 1000 steps, the default U-Net on 28×28 grey images, a weight average
// of decay 0.999 and, for a conditional model, labels dropped one time in
// ten.
type Config struct {
	Schedule string     `json:"schedule"` // Linear (default) or Cosine
	T        int        `json:"t"`        // diffusion steps; 0 means 1000
	UNet     UNetConfig `json:"unet"`     // the denoiser: image shape, widths, classes
	// EMA is the decay of the exponential moving average of the weights
	// that sampling uses; 0 means 0.999, negative means none (sampling
	// uses the trained weights).
	EMA float64 `json:"ema"`
	// CondDrop is the probability p of training a conditional model on the
	// null label (an all-zero one-hot row) instead of the image's, which
	// teaches it ε(x, ∅) for classifier-free guidance (Ho & Salimans
	// 2022); 0 means 0.1, negative means 0.
	CondDrop float64 `json:"cond_drop"`
	// MaxMemory is the most memory in bytes the model may need (see
	// [Config.Footprint]); 0 means graphs.DefaultMaxMemory. Checkpoints
	// do not keep it.
	MaxMemory int64 `json:"-"`
}

// Default EMA decay and label-drop probability.
const (
	defaultEMA      = 0.999
	defaultCondDrop = 0.1
	defaultT        = 1000
)

// WithDefaults returns c with every zero field replaced by its default.
// Negative EMA and CondDrop, which stand for zero, are kept.
func (c Config) WithDefaults() Config {
	if c.Schedule == "" {
		c.Schedule = Linear
	}
	if c.T == 0 {
		c.T = defaultT
	}
	c.UNet = c.UNet.WithDefaults()
	if c.EMA == 0 {
		c.EMA = defaultEMA
	}
	if c.CondDrop == 0 {
		c.CondDrop = defaultCondDrop
	}
	return c
}

// Validate reports a configuration that cannot be built.
func (c Config) Validate() error {
	if !slices.Contains(Schedules, c.Schedule) {
		return fmt.Errorf("diffusion: unknown schedule %q (have: %s)", c.Schedule, strings.Join(Schedules, ", "))
	}
	if c.T < 1 || c.T > maxT {
		return fmt.Errorf("diffusion: T must be from 1 to %d, got %d", maxT, c.T)
	}
	if !(c.EMA < 1) {
		return fmt.Errorf("diffusion: EMA decay %g must be below 1 (negative: none)", c.EMA)
	}
	if !(c.CondDrop < 1) {
		return fmt.Errorf("diffusion: label-drop probability %g must be below 1 (negative: 0)", c.CondDrop)
	}
	if err := c.UNet.Validate(); err != nil {
		return err
	}
	return c.Footprint().Check("diffusion", SampleBatch, c.MaxMemory)
}

// Footprint estimates the parameters of the network and of its average,
// and the activations of one image's forward pass.
func (c Config) Footprint() graphs.Footprint {
	var f graphs.Footprint
	copies := 1
	if c.EMA > 0 {
		copies = 2
	}
	u := c.UNet.Footprint()
	f.Add(graphs.Footprint{Params: u.Params}, copies)
	f.Add(graphs.Footprint{Activations: u.Activations, Scratch: u.Scratch}, 1)
	return f
}

// ImageShape returns the channels, height and width of one image.
func (c Config) ImageShape() (channels, height, width int) { return c.UNet.ImageShape() }

// Pixels returns the number of values of one image, channels × height ×
// width in CHW order.
func (c Config) Pixels() int { return c.UNet.Pixels() }

// Classes returns the number of classes of a conditional model, 0 for an
// unconditional one.
func (c Config) Classes() int { return c.UNet.Classes }

// Denoiser is the network that predicts the noise ε in x_t: it maps images
// x [B, pixels] (flat CHW), the timestep embeddings temb [B, TimeDim] and,
// for a conditional model, one-hot labels y [B, Classes] (an all-zero row
// is the null label; y is nil for an unconditional model) to ε̂ [B,
// pixels]. The U-Net is one; tests plug in smaller ones.
type Denoiser interface {
	Forward(b *graphs.Builder, x, temb, y *G.Node) *G.Node
	Params() graphs.Params
}

// Model is a denoiser, the moving average of its weights that sampling
// uses, and the noise schedule. [Model.Params] lists the network's
// parameters (unet.*), then the average's (unet_ema.*).
type Model struct {
	Config Config
	Net    Denoiser
	NetEMA Denoiser // nil unless Config.EMA > 0; same architecture as Net

	schedule *Schedule
}

// New builds a model with fresh parameters drawn from a generator seeded
// with seed; cfg's zero fields take their defaults.
func New(cfg Config, seed uint64) (*Model, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x3c6ef372))
	net, err := NewUNet("unet", cfg.UNet, rng)
	if err != nil {
		return nil, err
	}
	var avg Denoiser
	if cfg.EMA > 0 {
		if avg, err = NewUNet("unet_ema", cfg.UNet, rng); err != nil {
			return nil, err
		}
	}
	return NewWith(cfg, net, avg)
}

// NewWith builds a model around a denoiser of the caller's, such as a small
// network for a toy data set; avg holds the average of net's weights and is
// nil exactly when cfg.EMA ≤ 0. avg starts as a copy of net.
func NewWith(cfg Config, net, avg Denoiser) (*Model, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if (avg != nil) != (cfg.EMA > 0) {
		return nil, fmt.Errorf("diffusion: a weight average is needed exactly when the EMA decay (%g) is positive", cfg.EMA)
	}
	s, err := NewSchedule(cfg.Schedule, cfg.T)
	if err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, Net: net, NetEMA: avg, schedule: s}
	if avg != nil {
		src, dst := net.Params(), avg.Params()
		if len(src) != len(dst) {
			return nil, fmt.Errorf("diffusion: the average has %d parameters, the network %d", len(dst), len(src))
		}
		for i, p := range dst {
			if p.Value.Shape().TotalSize() != src[i].Value.Shape().TotalSize() {
				return nil, fmt.Errorf("diffusion: %s has shape %v, %s %v", p.Name, p.Shape(), src[i].Name, src[i].Shape())
			}
			copy(p.Float32s(), src[i].Float32s())
		}
	}
	if err := m.Params().Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Params returns the network's parameters, then its average's.
func (m *Model) Params() graphs.Params { return graphs.CollectParams(m) }

// Schedule returns the model's noise schedule.
func (m *Model) Schedule() *Schedule { return m.schedule }

// Sampler returns the network that draws samples: the average when there
// is one.
func (m *Model) Sampler() Denoiser {
	if m.NetEMA != nil {
		return m.NetEMA
	}
	return m.Net
}

// labelInput returns a [batch, Classes] input for one-hot labels, or nil
// for an unconditional model.
func (m *Model) labelInput(b *graphs.Builder, name string, batch int) *G.Node {
	if m.Config.Classes() == 0 {
		return nil
	}
	return b.Input(name, batch, m.Config.Classes())
}

// Loss adds the training objective of Ho et al. (2020) to b: the mean over
// the batch and the pixels of (ε̂ − ε)², where ε̂ = net(x_t, temb, y)
// predicts the noise eps that made x_t.
func Loss(b *graphs.Builder, net Denoiser, xt, temb, y, eps *G.Node) *G.Node {
	return b.Mean(b.Square(b.Sub(net.Forward(b, xt, temb, y), eps)))
}
