package gan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// Config describes a GAN architecture; it is saved in checkpoints so that a
// generator can be rebuilt from one. The zero value is the MLP GAN that
// cmd/train-gan trains by default ([Preset]("mlp")) on 28×28 images:
// G z(100) → 256 → 256 → 784, D 784 → 256 → 128 → 1 judging pairs of
// images with dropout 0.3, and a moving average of G's weights (decay
// 0.999) to sample from.
//
// Zero fields take their defaults; where zero is itself a setting (no
// dropout, no average, a LeakyReLU slope of 0), a negative value asks for
// it. The textbook MLP GAN is Config{DDropout: -1, DPack: 1, EMA: -1}.
type Config struct {
	// Arch is "mlp" (default), "dcgan" (convolutional, [ConvGenerator]
	// and [ConvDiscriminator]) or "sagan" (dcgan with self-attention in G
	// and D on maps of at most 16×16 where the image allows, see
	// [Config.AttentionScale], spectral norm in D and the hinge loss).
	Arch   string `json:"arch"`
	Z      int    `json:"z"`      // latent size; 0 means 100
	Height int    `json:"height"` // image height; 0 means 28
	Width  int    `json:"width"`  // image width; 0 means 28
	// ImageChannels is 1 for grey images, 3 for RGB; 0 means 1 (and
	// keeps a grey model's checkpoint metadata as it was).
	ImageChannels int     `json:"image_channels,omitempty"`
	GHidden       []int   `json:"g_hidden"` // MLP generator hidden sizes; nil means [256 256]
	DHidden       []int   `json:"d_hidden"` // MLP discriminator hidden sizes; nil means [256 128]
	DSlope        float64 `json:"d_slope"`  // LeakyReLU slope in D; 0 means 0.2, negative means 0 (ReLU)
	// DDropout is the dropout probability after each hidden layer of D
	// while training; 0 means the architecture's recipe (mlp 0.3, dcgan
	// and sagan none), negative means none. It weakens D just enough that
	// G keeps getting a useful signal, which keeps all ten digits alive.
	DDropout float64 `json:"d_dropout"`
	// DMinibatchStd appends the batch's feature standard deviation to D's
	// last hidden layer (Karras et al. 2018), so D can see a collapsed batch.
	DMinibatchStd bool `json:"d_minibatch_std"`
	// DPack makes D judge packs of this many images at once (PacGAN, Lin
	// et al. 2018); 1 judges images one by one, 0 means the recipe's (mlp
	// 2, dcgan and sagan 1).
	DPack int `json:"d_pack,omitempty"`
	// EMA is the decay of an exponential moving average of G's weights;
	// 0 means the recipe's (mlp 0.999, dcgan and sagan 0.99), negative
	// means none. Sampling uses the average; training is unchanged.
	EMA float64 `json:"ema,omitempty"`
	// Classes makes the GAN class-conditional (Mirza & Osindero 2014) when
	// positive: G sees [z, one-hot(y)] and the MLP's D takes the labels as
	// Cond says (by default [x, one-hot(y)], its first layer Classes
	// inputs wider per image of a pack, and a projection term); the
	// unconditional parameters keep their names. The convolutional G also
	// has per-class gains and biases after each PixelNorm ([ClassNorm]),
	// and its D is a projection discriminator that sees the labels only
	// through the projection term. 0 is the unconditional GAN.
	Classes int `json:"classes,omitempty"`
	// Cond is how a conditional MLP GAN takes its labels (see
	// [CondModes]); "" means [DefaultCond]. Unconditional and
	// convolutional models leave it "".
	Cond string `json:"cond,omitempty"`
	// GCond is how a conditional MLP generator takes its labels (see
	// [GCondModes]); "" means [GCondEvery] with Cond [CondEvery], else
	// [DefaultGCond]. Unconditional and convolutional models leave it "".
	GCond string `json:"g_cond,omitempty"`
	// Discriminators is the number of discriminators trained against one
	// generator (GMAN, Durugkar et al. 2017); 0 or 1 is the classic GAN.
	Discriminators int `json:"discriminators,omitempty"`
	// GMANLambda weights the K generator losses when Discriminators > 1: 0
	// takes their mean, λ > 0 their soft-max-weighted mean with weights
	// softmax(λ·L_k), so the discriminator G fools least counts most.
	GMANLambda float64 `json:"gman_lambda,omitempty"`
	// Generators is the number of generators of a mixture (MGAN, Hoang et
	// al. 2018); 0 or 1 is the classic GAN. The generators share every
	// layer but the first, each image is drawn by one of them, and every
	// discriminator gains a head that tells which (see [MixtureLinear]).
	Generators int `json:"generators,omitempty"`
	// MGANBeta weights the generators' term that keeps them apart, β·CE
	// of the discriminator's head on their images, when Generators > 1; 0
	// means 0.01 (the paper's), negative means none.
	MGANBeta float64 `json:"mgan_beta,omitempty"`
	// GChannels are a convolutional G's channels, one per stage: G
	// starts from maps of H/2^S × W/2^S with GChannels[0] channels (S =
	// len(GChannels)) and doubles their size S times, the last time into
	// the image's channels. DChannels are D's, one per stride-2
	// convolution, from H/2 down to H/2^S; it must have as many entries.
	// The image sides must be multiples of 2^S. Nil takes the other's
	// length, or else the image size's (see [DefaultStages]): two stages
	// [64 32] and [32 64] up to 32×32 (G starts at 7×7 on MNIST), and for
	// each doubling above that one more stage, twice as wide (64×64:
	// [128 64 32] and [32 64 128]).
	GChannels []int `json:"g_channels,omitempty"`
	DChannels []int `json:"d_channels,omitempty"`
	// DNorm is "spectral" (spectral normalisation of every layer of a
	// convolutional D) or "none"; "" means spectral for sagan, none otherwise.
	DNorm string `json:"d_norm,omitempty"`
	// Loss is "bce" (the non-saturating GAN loss) or "hinge" (Lim & Ye
	// 2017, SAGAN's); "" means hinge for sagan, bce otherwise.
	Loss string `json:"loss,omitempty"`
	// MaxMemory is the most memory in bytes the model may need (see
	// [Config.Footprint]); 0 means graphs.DefaultMaxMemory. It bounds
	// what a configuration may ask for, not a setting of the model, so
	// checkpoints do not keep it.
	MaxMemory int64 `json:"-"`
}

// Structural limits, beyond the memory limit: each layer and each
// discriminator is graph nodes too, whose cost the footprint does not
// count.
const (
	maxLayers         = 64
	maxDiscriminators = 64
	maxGenerators     = 64
	maxStages         = 16
)

// maxAttentionSide is the largest side of the maps SAGAN's attention
// block acts on, where the image is large enough for a choice: the
// block's cost grows with the square of its maps' pixel count.
const maxAttentionSide = 16

// DefaultStages returns the number of up- and down-sampling stages of a
// convolutional GAN for h×w images when its channel lists are not given:
// 2 up to a smaller side of 63 (MNIST's 28 and 32), and one more for each
// doubling above (3 from 64, 4 from 128).
func DefaultStages(h, w int) int {
	s := 2
	for side := min(h, w); side >= 64 && s < maxStages; side /= 2 {
		s++
	}
	return s
}

// defaultChannels returns the channel lists of G and D with s stages:
// 32 channels at the image's side of the network, doubling at each stage
// towards the smallest maps.
func defaultChannels(s int) (g, d []int) {
	g, d = make([]int, s), make([]int, s)
	for i := range s {
		g[s-1-i], d[i] = 32<<i, 32<<i
	}
	return g, d
}

// AttentionScale returns j such that SAGAN's attention blocks act on maps
// of H/2^j × W/2^j: in G after the stage that makes them, in D after the
// convolution that makes them. It is the largest such maps between two
// stages with sides of at most 16 (28×28 and 32×32 images: j = 1, half
// resolution; 64×64: j = 2, 16×16), or the smallest there are (j = S−1)
// when every one is larger. c must have its defaults.
func (c Config) AttentionScale() int {
	s := len(c.GChannels)
	for j := 1; j < s-1; j++ {
		if c.Height>>j <= maxAttentionSide && c.Width>>j <= maxAttentionSide {
			return j
		}
	}
	return s - 1
}

// Convolutional reports whether the architecture is DCGAN-like.
func (c Config) Convolutional() bool { return c.Arch == "dcgan" || c.Arch == "sagan" }

// DiscCount returns the number of discriminators: at least one.
func (c Config) DiscCount() int { return max(c.Discriminators, 1) }

// GenCount returns the number of generators: at least one.
func (c Config) GenCount() int { return max(c.Generators, 1) }

// defaultMGANBeta is MGAN's β, the weight of the generators' classifier
// term, in the authors' code.
const defaultMGANBeta = 0.01

// WithDefaults returns c with every zero field replaced by its default:
// the values of its architecture's [Preset], then the sizes above. A
// negative value, standing for zero, is kept, so that WithDefaults can be
// applied again.
func (c Config) WithDefaults() Config {
	if c.Arch == "" {
		c.Arch = "mlp"
	}
	if r, ok := recipes[c.Arch]; ok {
		if c.DDropout == 0 {
			c.DDropout = r.Config.DDropout
		}
		if c.DPack == 0 {
			c.DPack = r.Config.DPack
		}
		if c.EMA == 0 {
			c.EMA = r.Config.EMA
		}
	}
	if c.Z == 0 {
		c.Z = 100
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
	if c.GHidden == nil && !c.Convolutional() {
		c.GHidden = []int{256, 256}
	}
	if c.DHidden == nil && !c.Convolutional() {
		c.DHidden = []int{256, 128}
	}
	if c.DSlope == 0 {
		c.DSlope = 0.2
	}
	if c.Generators == 1 {
		c.Generators = 0 // one generator is the default, so metadata stays as it was
	}
	if c.MGANBeta == 0 && c.Generators > 1 {
		c.MGANBeta = defaultMGANBeta
	}
	if c.Cond == "" && c.Classes > 0 && c.Arch == "mlp" {
		c.Cond = DefaultCond
	}
	if c.GCond == "" && c.Classes > 0 && c.Arch == "mlp" {
		c.GCond = DefaultGCond
		if c.Cond == CondEvery {
			c.GCond = GCondEvery
		}
	}
	if c.Convolutional() && (len(c.GChannels) == 0 || len(c.DChannels) == 0) {
		s := max(len(c.GChannels), len(c.DChannels))
		if s == 0 {
			s = DefaultStages(c.Height, c.Width)
		}
		g, d := defaultChannels(s)
		if len(c.GChannels) == 0 {
			c.GChannels = g
		}
		if len(c.DChannels) == 0 {
			c.DChannels = d
		}
	}
	if c.DNorm == "" {
		c.DNorm = "none"
		if c.Arch == "sagan" {
			c.DNorm = "spectral"
		}
	}
	if c.Loss == "" {
		c.Loss = "bce"
		if c.Arch == "sagan" {
			c.Loss = "hinge"
		}
	}
	return c
}

// Validate reports a configuration that cannot be built.
func (c Config) Validate() error {
	if c.Arch != "mlp" && !c.Convolutional() {
		return fmt.Errorf("gan: unknown architecture %q (have: mlp, dcgan, sagan)", c.Arch)
	}
	if c.Loss != "bce" && c.Loss != "hinge" {
		return fmt.Errorf("gan: unknown loss %q (have: bce, hinge)", c.Loss)
	}
	if c.DNorm != "none" && c.DNorm != "spectral" {
		return fmt.Errorf("gan: unknown D normalisation %q (have: none, spectral)", c.DNorm)
	}
	if c.DNorm == "spectral" && !c.Convolutional() {
		return fmt.Errorf("gan: spectral normalisation is built for the dcgan and sagan discriminators, not %s", c.Arch)
	}
	if c.Z < 1 || c.Height < 1 || c.Width < 1 {
		return fmt.Errorf("gan: latent size %d and image size %dx%d must be positive", c.Z, c.Height, c.Width)
	}
	if c.Convolutional() {
		s := len(c.GChannels)
		if s == 0 || len(c.DChannels) != s {
			return fmt.Errorf("gan: %s needs one channel count per stage for G and as many for D, got G %v D %v", c.Arch, c.GChannels, c.DChannels)
		}
		if s > maxStages {
			return fmt.Errorf("gan: %s has at most %d stages, got %d channel counts", c.Arch, maxStages, s)
		}
		if c.Height%(1<<s) != 0 || c.Width%(1<<s) != 0 {
			return fmt.Errorf("gan: %s with %d stages needs image sides divisible by %d, got %dx%d (give an image size that is, or fewer channel counts)", c.Arch, s, 1<<s, c.Height, c.Width)
		}
		if min(slices.Min(c.GChannels), slices.Min(c.DChannels)) < 1 {
			return fmt.Errorf("gan: %s needs positive channel counts for G and for D, got G %v D %v", c.Arch, c.GChannels, c.DChannels)
		}
		if c.Arch == "sagan" && s < 2 {
			return fmt.Errorf("gan: sagan needs at least two stages, for its attention block between two of them, got G %v D %v", c.GChannels, c.DChannels)
		}
		if c.DMinibatchStd {
			return fmt.Errorf("gan: minibatch-std is built for the MLP discriminator, not %s", c.Arch)
		}
	}
	if c.Loss == "hinge" && c.Discriminators > 1 {
		return fmt.Errorf("gan: several discriminators are trained with the bce loss only, not %s", c.Loss)
	}
	if c.ImageChannels != 0 && c.ImageChannels != 1 && c.ImageChannels != 3 {
		return fmt.Errorf("gan: image channels must be 1 (grey) or 3 (RGB), got %d", c.ImageChannels)
	}
	if !(c.EMA < 1) {
		return fmt.Errorf("gan: EMA decay %g must be below 1 (negative: none)", c.EMA)
	}
	if c.DPack < 0 {
		return fmt.Errorf("gan: D pack %d must not be negative", c.DPack)
	}
	if c.Classes < 0 {
		return fmt.Errorf("gan: class count %d must not be negative", c.Classes)
	}
	if c.Cond != "" && (c.Classes == 0 || c.Arch != "mlp") {
		return fmt.Errorf("gan: a conditioning mode (%q) is for a conditional mlp, not %s with %d classes", c.Cond, c.Arch, c.Classes)
	}
	if c.Cond != "" && !slices.Contains(CondModes, c.Cond) {
		return fmt.Errorf("gan: unknown conditioning mode %q (have: %s)", c.Cond, strings.Join(CondModes, ", "))
	}
	if c.GCond != "" && (c.Classes == 0 || c.Arch != "mlp") {
		return fmt.Errorf("gan: a generator conditioning mode (%q) is for a conditional mlp, not %s with %d classes", c.GCond, c.Arch, c.Classes)
	}
	if c.GCond != "" && !slices.Contains(GCondModes, c.GCond) {
		return fmt.Errorf("gan: unknown generator conditioning mode %q (have: %s)", c.GCond, strings.Join(GCondModes, ", "))
	}
	if c.Cond == CondEvery && c.GCond != "" && c.GCond != GCondEvery {
		return fmt.Errorf("gan: conditioning mode %q joins the label to every layer of G, not generator conditioning mode %q", c.Cond, c.GCond)
	}
	if !(c.DDropout < 1) {
		return fmt.Errorf("gan: D dropout %g must be below 1 (negative: none)", c.DDropout)
	}
	if math.IsNaN(c.DSlope) || math.IsInf(c.DSlope, 0) {
		return fmt.Errorf("gan: D's LeakyReLU slope %g must be finite", c.DSlope)
	}
	if c.Discriminators < 0 {
		return fmt.Errorf("gan: discriminator count %d must not be negative", c.Discriminators)
	}
	if c.GMANLambda < 0 || math.IsNaN(c.GMANLambda) || math.IsInf(c.GMANLambda, 0) {
		return fmt.Errorf("gan: GMAN λ %g must be finite and not negative", c.GMANLambda)
	}
	if c.Discriminators > 1 && c.Classes > 0 {
		// Not needed yet, so not built or tested: the conditional graphs
		// assume the one discriminator m.Disc.
		return fmt.Errorf("gan: %d discriminators with a conditional model (%d classes) are not supported", c.Discriminators, c.Classes)
	}
	if len(c.GHidden) > maxLayers || len(c.DHidden) > maxLayers {
		return fmt.Errorf("gan: at most %d hidden layers in G and in D, got %d and %d", maxLayers, len(c.GHidden), len(c.DHidden))
	}
	for _, h := range append(append([]int(nil), c.GHidden...), c.DHidden...) {
		if h < 1 {
			return fmt.Errorf("gan: hidden sizes must be positive, got G %v D %v", c.GHidden, c.DHidden)
		}
	}
	if c.Discriminators > maxDiscriminators {
		return fmt.Errorf("gan: at most %d discriminators, got %d", maxDiscriminators, c.Discriminators)
	}
	if c.Generators < 0 || c.Generators > maxGenerators {
		return fmt.Errorf("gan: generator count %d must be from 0 to %d", c.Generators, maxGenerators)
	}
	if math.IsNaN(c.MGANBeta) || math.IsInf(c.MGANBeta, 0) {
		return fmt.Errorf("gan: MGAN β %g must be finite", c.MGANBeta)
	}
	return c.Footprint().Check("gan", generateBatch, c.MaxMemory)
}

// Footprint estimates, from the configuration alone, the parameters New
// makes (every discriminator and the average included) and the
// activations of one image through G and D. c must have its defaults
// and pass the rest of Validate's checks.
func (c Config) Footprint() graphs.Footprint {
	var f graphs.Footprint
	in := int(graphs.AddSat(int64(c.Z), int64(c.Classes)))
	gen, disc := c.genFootprint(in), c.discFootprint()
	f.Add(gen, 1)
	f.Add(disc, c.DiscCount())
	if c.EMA > 0 {
		f.Params = graphs.AddSat(f.Params, gen.Params)
	}
	return f
}

// pixels returns Pixels, saturated rather than overflowing.
func (c Config) pixels() int64 {
	ch, h, w := c.ImageShape()
	return graphs.MulSat(int64(ch), graphs.MulSat(int64(h), int64(w)))
}

// mapSize returns the values of maps of the given channels at scale
// H/2^j × W/2^j, saturated.
func (c Config) mapSize(channels, j int) int64 {
	return graphs.MulSat(int64(channels), graphs.MulSat(int64(c.Height>>j), int64(c.Width>>j)))
}

func (c Config) genFootprint(in int) graphs.Footprint {
	var f graphs.Footprint
	// A mixture's first layer is one per generator, reading the noise
	// repeated once per generator, with a fixed matrix spreading the
	// choice of generator over those copies.
	first := func(in, out int) {
		f.Linear(in, out)
		if k := int64(c.GenCount()); k > 1 {
			f.Params = graphs.AddSat(f.Params, graphs.MulSat(k-1, graphs.AddSat(graphs.MulSat(int64(in), int64(out)), int64(out))))
			f.Values(graphs.MulSat(k, int64(in)))
			f.Scratch = graphs.AddSat(f.Scratch, graphs.MulSat(graphs.MulSat(k, k), int64(in)))
		}
	}
	if !c.Convolutional() {
		for i, out := range append(append([]int(nil), c.GHidden...), int(c.pixels())) {
			if i == 0 {
				first(in, out)
			} else {
				f.Linear(in, out)
			}
			if c.GCond == GCondNorm && i < len(c.GHidden) {
				// The class norm's gains and biases, and per image its
				// gain and result.
				f.Params = graphs.AddSat(f.Params, graphs.MulSat(2*int64(out), int64(c.Classes)))
				f.Values(graphs.MulSat(2, int64(out)))
			}
			in = out
			if c.GCond == GCondEvery {
				in = int(graphs.AddSat(int64(in), int64(c.Classes)))
			}
		}
		return f
	}
	chans, s := c.GChannels, len(c.GChannels)
	imageChannels, _, _ := c.ImageShape()
	first(in, int(c.mapSize(chans[0], s)))
	for k := range s {
		j := s - 1 - k // conv k makes maps of H/2^j
		out := imageChannels
		if k+1 < s {
			out = chans[k+1]
		}
		if c.Classes > 0 {
			// The class norm on conv k's input maps (H/2^(j+1)): its
			// gains and biases; per image, the gains and the result;
			// and once per graph, whatever the batch, so with the
			// scratch buffers, the fixed matrix spreading a gain over a
			// channel's pixels and the gains spread per class.
			maps := c.mapSize(chans[k], j+1)
			f.Params = graphs.AddSat(f.Params, graphs.MulSat(2*int64(chans[k]), int64(c.Classes)))
			f.Values(graphs.MulSat(2, maps))
			f.Scratch = graphs.AddSat(f.Scratch, graphs.MulSat(graphs.AddSat(int64(chans[k]), int64(c.Classes)), maps))
		}
		f.Values(c.mapSize(chans[k], j)) // upsampled
		f.Conv(chans[k], out, 3, c.Height>>j, c.Width>>j)
		if c.Arch == "sagan" && j == c.AttentionScale() {
			f.Add(attentionConfig.Footprint(out, c.Height>>j, c.Width>>j, false), 1)
		}
	}
	return f
}

func (c Config) discFootprint() graphs.Footprint {
	var f graphs.Footprint
	pack := max(c.DPack, 1)
	if !c.Convolutional() {
		labels := graphs.MulSat(int64(c.Classes), int64(pack))
		in := int(graphs.MulSat(c.pixels(), int64(pack)))
		if c.Cond == CondJoined || c.Cond == CondEvery {
			in = int(graphs.AddSat(int64(in), labels))
		}
		hidden := in // the last layer's input: the projection's width
		for i, out := range append(append([]int(nil), c.DHidden...), 1) {
			hidden = in
			if c.DMinibatchStd && i == len(c.DHidden) {
				in++
			}
			f.Linear(in, out)
			in = out
			if c.Cond == CondEvery {
				in = int(graphs.AddSat(int64(in), labels))
			}
		}
		switch c.Cond {
		case CondJoined, CondProjection:
			f.Params = graphs.AddSat(f.Params, graphs.MulSat(int64(hidden), labels))
		case CondACGAN:
			f.Linear(hidden, int(labels))
		}
		if c.GenCount() > 1 {
			f.Linear(hidden, int(graphs.MulSat(int64(c.GenCount()), int64(pack))))
		}
		return f
	}
	spectral := c.DNorm == "spectral"
	imageChannels, _, _ := c.ImageShape()
	in := int(graphs.MulSat(int64(pack), int64(imageChannels)))
	for k, out := range c.DChannels {
		j := k + 1 // conv k makes maps of H/2^j
		f.Conv(in, out, 4, c.Height>>j, c.Width>>j)
		if spectral {
			f.SpectralNorm(int64(out), graphs.MulSat(int64(in), 16))
		}
		if c.Arch == "sagan" && j == c.AttentionScale() {
			f.Add(attentionConfig.Footprint(out, c.Height>>j, c.Width>>j, spectral), 1)
		}
		in = out
	}
	flat := int(c.mapSize(in, len(c.DChannels)))
	f.Linear(flat, 1)
	if spectral {
		f.SpectralNorm(1, int64(flat))
	}
	if k := graphs.MulSat(int64(c.GenCount()), int64(pack)); c.GenCount() > 1 {
		f.Linear(flat, int(k))
		if spectral {
			f.SpectralNorm(k, int64(flat))
		}
	}
	if c.Classes > 0 {
		embed := graphs.MulSat(int64(c.Classes), int64(pack))
		f.Params = graphs.AddSat(f.Params, graphs.MulSat(embed, int64(flat)))
		f.Values(int64(flat))
		if spectral {
			f.SpectralNorm(embed, int64(flat))
		}
	}
	return f
}

// ImageShape returns the channels, height and width of one image.
func (c Config) ImageShape() (channels, height, width int) {
	return max(c.ImageChannels, 1), c.Height, c.Width
}

// Pixels returns the number of values of one image: channels × height ×
// width, the channels one after another (CHW, as PyTorch stores them).
func (c Config) Pixels() int { return max(c.ImageChannels, 1) * c.Height * c.Width }

// MLPGenerator maps noise z to an image in [-1, 1]: Linear and ReLU layers,
// then a Linear layer and tanh.
type MLPGenerator struct {
	// First is a mixture's first layer, one per generator
	// (<prefix>.g.<k>.fc1); nil for a single generator, whose first layer
	// is Layers[0].
	First  *MixtureLinear
	Layers []*graphs.Linear // <prefix>.fc1, <prefix>.fc2, … (prefix "gen", or "gen_ema" for the average); from fc2 in a mixture
	// EveryLayer joins a conditional generator's labels to the input of
	// every layer, not the first alone (GCondEvery).
	EveryLayer bool
	// Norms are a conditional generator's class gains and biases after
	// each hidden layer, before its ReLU (<prefix>.cnorm1, … with
	// GCondNorm); nil otherwise.
	Norms []*ClassNorm
}

// NewMLPGenerator returns a generator z → hidden… → pixels, its parameters
// named prefix.fc1.weight and so on, with PyTorch's default initialisation
// drawn from rng.
func NewMLPGenerator(prefix string, z int, hidden []int, pixels int, rng *rand.Rand) *MLPGenerator {
	sizes := append(append([]int{z}, hidden...), pixels)
	g := &MLPGenerator{}
	for i := 0; i+1 < len(sizes); i++ {
		g.Layers = append(g.Layers, graphs.NewLinear(fmt.Sprintf("%s.fc%d", prefix, i+1), sizes[i], sizes[i+1], rng))
	}
	return g
}

// Forward returns G(z) for z of shape [batch, Z]: images [batch, pixels].
// A conditional generator reads [z, y].
func (g *MLPGenerator) Forward(b *graphs.Builder, z, y *G.Node) *G.Node {
	return g.ForwardMix(b, z, y, nil)
}

// ForwardMix is Forward for a mixture: which [batch, K] names, one-hot,
// the generator of each row (nil for a single generator).
func (g *MLPGenerator) ForwardMix(b *graphs.Builder, z, y, which *G.Node) *G.Node {
	layers := len(g.Layers)
	if g.First != nil {
		layers++
	}
	h := z
	for i := range layers {
		if y != nil && (i == 0 || g.EveryLayer) {
			h = b.Concat(1, h, y)
		}
		switch {
		case g.First == nil:
			h = g.Layers[i].Forward(b, h)
		case i == 0:
			h = g.First.Forward(b, h, which)
		default:
			h = g.Layers[i-1].Forward(b, h)
		}
		if i+1 < layers {
			if g.Norms != nil {
				h = g.Norms[i].Forward(b, h, y)
			}
			h = b.ReLU(h)
		}
	}
	return b.Tanh(h)
}

// Params returns the generator's parameters in layer order.
func (g *MLPGenerator) Params() graphs.Params { return graphs.CollectParams(g) }

// MLPDiscriminator maps an image (or a pack of images) to one logit:
// Linear and LeakyReLU layers, then a Linear layer with no activation (the
// losses take logits). Its parameters are those of its fields, in the
// order they are declared.
type MLPDiscriminator struct {
	Layers       []*graphs.Linear // disc.fc1, disc.fc2, … (disc1.fc1, … with several)
	Slope        float64
	Dropout      graphs.Dropout // after each hidden activation, in training graphs
	MinibatchStd bool           // append the batch-std feature before the last layer
	Pack         int            // images judged together; ≤ 1 means one
	Classes      int            // one-hot label width per image; 0: unconditional
	Cond         string         // how the labels enter (Config.Cond); "" when unconditional
	// Embed is the class embedding of the projection term (Miyato & Koyama
	// 2018), [last hidden size, Classes·Pack]; nil unless Cond is
	// CondJoined or CondProjection.
	Embed *graphs.Param
	// Aux is AC-GAN's auxiliary classifier on the last hidden features,
	// Classes logits per image of a pack; nil unless Cond is CondACGAN.
	Aux *graphs.Linear
	// GenHead is a mixture's classifier of which generator drew an image,
	// on the last hidden features: Generators logits per image of a pack
	// (<prefix>.gen_head); nil with one generator.
	GenHead    *graphs.Linear
	Generators int
}

// newMLPDiscriminator returns the discriminator cfg describes, its
// parameters named prefix.fc1.weight and so on (prefix "disc", or "disc1",
// "disc2", … when there are several discriminators).
func newMLPDiscriminator(prefix string, cfg Config, rng *rand.Rand) *MLPDiscriminator {
	pack := max(cfg.DPack, 1)
	labels := cfg.Classes * pack
	// A D that joins labels to its input sees each image's one-hot label
	// next to it; with packs, the labels of a pack are joined after its
	// images.
	sizes := append(append([]int{cfg.Pixels() * pack}, cfg.DHidden...), 1)
	d := &MLPDiscriminator{Slope: max(cfg.DSlope, 0), Dropout: graphs.Dropout{P: max(cfg.DDropout, 0)}, MinibatchStd: cfg.DMinibatchStd, Pack: pack, Classes: cfg.Classes, Cond: cfg.Cond}
	for i := 0; i+1 < len(sizes); i++ {
		in := sizes[i]
		if d.joins(i) {
			in += labels
		}
		if d.MinibatchStd && i+2 == len(sizes) {
			in++
		}
		d.Layers = append(d.Layers, graphs.NewLinear(fmt.Sprintf("%s.fc%d", prefix, i+1), in, sizes[i+1], rng))
	}
	// Drawn after the layers, so an unconditional model's initialisation
	// is unchanged.
	hidden := sizes[len(sizes)-2]
	if d.joins(len(sizes) - 2) {
		hidden += labels
	}
	switch cfg.Cond {
	case CondJoined, CondProjection:
		d.Embed = graphs.NewParam(prefix+".embed.weight", hidden, labels)
		graphs.Uniform(d.Embed, 1/math.Sqrt(float64(hidden)), rng)
	case CondACGAN:
		d.Aux = graphs.NewLinear(prefix+".aux", hidden, labels, rng)
	}
	if k := cfg.GenCount(); k > 1 {
		d.Generators = k
		d.GenHead = graphs.NewLinear(prefix+".gen_head", hidden, k*pack, rng)
	}
	return d
}

// joins reports whether layer i reads the labels joined to its input.
func (d *MLPDiscriminator) joins(i int) bool {
	return d.Cond == CondEvery || (d.Cond == CondJoined && i == 0)
}

// Forward returns D's logits [batch/Pack, 1] for images x [batch, pixels]
// and their one-hot labels y [batch, Classes] (nil when Classes is 0). A
// pack's row is its images' pixels, followed by their labels where a
// layer reads them (Config.Cond).
func (d *MLPDiscriminator) Forward(b *graphs.Builder, x, y *G.Node) *G.Node {
	logits, _ := d.ForwardAux(b, x, y)
	return logits
}

// ForwardAux is Forward that also returns, for an AC-GAN discriminator,
// its auxiliary class logits [batch, Classes] (nil otherwise).
func (d *MLPDiscriminator) ForwardAux(b *graphs.Builder, x, y *G.Node) (logits, aux *G.Node) {
	logits, aux, _ = d.forwardHeads(b, x, y)
	return logits, aux
}

// ForwardHeads is Forward that also returns a mixture's generator logits
// [batch, Generators] (nil with one generator).
func (d *MLPDiscriminator) ForwardHeads(b *graphs.Builder, x, y *G.Node) (logits, gen *G.Node) {
	logits, _, gen = d.forwardHeads(b, x, y)
	return logits, gen
}

// forwardHeads returns D's logits and those of its auxiliary classifier
// and generator head (nil where it has none).
func (d *MLPDiscriminator) forwardHeads(b *graphs.Builder, x, y *G.Node) (logits, aux, gen *G.Node) {
	if (y == nil) != (d.Classes == 0) {
		b.Fail("discriminator", fmt.Errorf("labels given: %v, but the discriminator has %d classes", y != nil, d.Classes))
		return nil, nil, nil
	}
	h := x
	if d.Pack > 1 && x != nil {
		batch, pixels := x.Shape()[0], x.Shape()[1]
		if batch%d.Pack != 0 {
			b.Fail("discriminator", fmt.Errorf("batch %d is not a multiple of the pack size %d", batch, d.Pack))
			return nil, nil, nil
		}
		h = b.Reshape(x, batch/d.Pack, pixels*d.Pack)
		if y != nil {
			y = b.Reshape(y, batch/d.Pack, d.Classes*d.Pack)
		}
	}
	var proj *G.Node
	for i, l := range d.Layers {
		if y != nil && d.joins(i) {
			h = b.Concat(1, h, y)
		}
		if i+1 == len(d.Layers) && y != nil {
			switch {
			case d.Embed != nil:
				// The projection term ⟨embed(y), φ(x)⟩ on the last hidden
				// features: each class scores the features directly.
				perClass := b.MatMulT(y, b.Param(d.Embed)) // [batch/Pack, hidden]
				rows := b.Sum(b.Mul(h, perClass), 1)
				if rows != nil {
					proj = b.Reshape(rows, rows.Shape()[0], 1)
				}
			case d.Aux != nil:
				if a := d.Aux.Forward(b, h); a != nil {
					aux = b.Reshape(a, a.Shape()[0]*d.Pack, d.Classes)
				}
			}
		}
		if d.GenHead != nil && i+1 == len(d.Layers) {
			if g := d.GenHead.Forward(b, h); g != nil {
				gen = b.Reshape(g, g.Shape()[0]*d.Pack, d.Generators)
			}
		}
		if d.MinibatchStd && i+1 == len(d.Layers) {
			h = b.MinibatchStd(h)
		}
		h = l.Forward(b, h)
		if i+1 < len(d.Layers) {
			h = d.Dropout.Forward(b, b.LeakyReLU(h, d.Slope))
		}
	}
	if proj != nil {
		h = b.Add(h, proj)
	}
	return h, aux, gen
}

// Params returns the discriminator's parameters: the layers', then the
// class embedding's or the auxiliary classifier's, then the generator
// head's.
func (d *MLPDiscriminator) Params() graphs.Params { return graphs.CollectParams(d) }
