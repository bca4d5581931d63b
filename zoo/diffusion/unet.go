package diffusion

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/zoo/attention"
)

// UNetConfig shapes the noise-prediction U-Net. The zero value (with
// WithDefaults) is the default for 28×28 grey images.
type UNetConfig struct {
	// ImageChannels is 1 for grey images, 3 for RGB; 0 means 1.
	ImageChannels int `json:"image_channels,omitempty"`
	Height        int `json:"height"` // 0 means 28
	Width         int `json:"width"`  // 0 means 28
	// Channels is the width of each resolution level, from the image's
	// down; every level but the last halves the maps. nil means
	// [16, 32, 64] (28 → 14 → 7, or 32 → 16 → 8): doubling the width as
	// the maps shrink fourfold gives each level about the same cost, and
	// the whole about a third of the multiply-adds of [32, 64, 64], since
	// on two cores the images seen per minute decide the result.
	Channels []int `json:"channels,omitempty"`
	// Blocks is the number of residual blocks per level on the way down
	// (the way up has one more, for the extra skip connection); 0 means 1.
	Blocks int `json:"blocks,omitempty"`
	// TimeDim is the size of the sinusoidal timestep embedding fed to
	// Forward; 0 means 4·Channels[0]. A two-layer MLP turns it into the
	// embedding the blocks read, of 4·Channels[0] values as in Ho et al.
	// 2020.
	TimeDim int `json:"time_dim,omitempty"`
	// Classes > 0 adds a label embedding (see UNet.Forward); 0 is
	// unconditional.
	Classes int `json:"classes,omitempty"`
	// Groups is the number of GroupNorm groups; it must divide every
	// width. 0 means the largest number up to 8 that does.
	Groups int `json:"groups,omitempty"`
	// Attention says, per level, whether a self-attention block follows
	// each residual block of that level, down and up; nil means at the
	// last (lowest) level only. The middle always has one.
	Attention []bool `json:"attention,omitempty"`
}

// Bounds on what a configuration may ask for; the memory a model needs is
// bounded separately through Footprint.
const (
	maxLevels        = 8
	maxBlocks        = 16
	maxTimeDim       = 1 << 16
	maxClasses       = 1 << 16
	defaultSide      = 28
	maxDefaultGroups = 8
)

// WithDefaults returns c with every zero field replaced by its default.
func (c UNetConfig) WithDefaults() UNetConfig {
	if c.ImageChannels == 1 {
		c.ImageChannels = 0 // grey is the default
	}
	if c.Height == 0 {
		c.Height = defaultSide
	}
	if c.Width == 0 {
		c.Width = defaultSide
	}
	if c.Channels == nil {
		c.Channels = []int{16, 32, 64}
	}
	if c.Blocks == 0 {
		c.Blocks = 1
	}
	if c.TimeDim == 0 && len(c.Channels) > 0 {
		c.TimeDim = 4 * c.Channels[0]
	}
	if c.Groups == 0 {
		c.Groups = 1
		for g := maxDefaultGroups; g > 1; g-- {
			if dividesAll(g, c.Channels) {
				c.Groups = g
				break
			}
		}
	}
	if c.Attention == nil && len(c.Channels) > 0 {
		c.Attention = make([]bool, len(c.Channels))
		c.Attention[len(c.Channels)-1] = true
	}
	return c
}

func dividesAll(g int, widths []int) bool {
	for _, w := range widths {
		if w%g != 0 {
			return false
		}
	}
	return true
}

// ImageShape returns the images' channels, height and width.
func (c UNetConfig) ImageShape() (channels, height, width int) {
	return max(c.ImageChannels, 1), c.Height, c.Width
}

// Pixels returns the values of one image, channels·height·width.
func (c UNetConfig) Pixels() int {
	ch, h, w := c.ImageShape()
	return ch * h * w
}

// Validate reports a configuration (with its defaults) that cannot be
// built. It does not bound memory: see [UNetConfig.Footprint].
func (c UNetConfig) Validate() error {
	if c.ImageChannels != 0 && c.ImageChannels != 1 && c.ImageChannels != 3 {
		return fmt.Errorf("diffusion: u-net: image channels must be 1 (grey) or 3 (RGB), got %d", c.ImageChannels)
	}
	if len(c.Channels) < 1 || len(c.Channels) > maxLevels {
		return fmt.Errorf("diffusion: u-net: 1 to %d levels (widths), got %d: %v", maxLevels, len(c.Channels), c.Channels)
	}
	for _, ch := range c.Channels {
		if ch < 1 {
			return fmt.Errorf("diffusion: u-net: widths must be positive, got %v", c.Channels)
		}
	}
	if f := 1 << (len(c.Channels) - 1); c.Height < 1 || c.Width < 1 || c.Height%f != 0 || c.Width%f != 0 {
		return fmt.Errorf("diffusion: u-net: %d levels halve the image %d times, so its height and width must be positive multiples of %d; got %dx%d", len(c.Channels), len(c.Channels)-1, f, c.Height, c.Width)
	}
	if c.Blocks < 1 || c.Blocks > maxBlocks {
		return fmt.Errorf("diffusion: u-net: 1 to %d residual blocks per level, got %d", maxBlocks, c.Blocks)
	}
	if c.TimeDim < 2 || c.TimeDim > maxTimeDim {
		return fmt.Errorf("diffusion: u-net: the timestep embedding needs 2 to %d values, got %d", maxTimeDim, c.TimeDim)
	}
	if c.Classes < 0 || c.Classes > maxClasses {
		return fmt.Errorf("diffusion: u-net: classes must be from 0 (unconditional) to %d, got %d", maxClasses, c.Classes)
	}
	if c.Groups < 1 || !dividesAll(c.Groups, c.Channels) {
		return fmt.Errorf("diffusion: u-net: %d GroupNorm groups do not divide every width of %v", c.Groups, c.Channels)
	}
	if len(c.Attention) != len(c.Channels) {
		return fmt.Errorf("diffusion: u-net: attention needs one flag per level (%d), got %d: %v", len(c.Channels), len(c.Attention), c.Attention)
	}
	return nil
}

// embedWidth is the width of the time (and label) embedding every block
// reads: 4× the first level's, as in Ho et al.
func (c UNetConfig) embedWidth() int { return 4 * c.Channels[0] }

// blockIO is one residual block's input and output channels.
type blockIO struct{ in, out int }

// level is one resolution level of the plan: its map size and width, its
// residual blocks down and up, and whether it attends.
type level struct {
	h, w, channels int
	down, up       []blockIO
	attention      bool
}

// plan lays out the levels, so that NewUNet and Footprint read the same
// architecture. The way down keeps a skip connection after conv_in, after
// every residual block and after every downsampling; the way up takes
// them back in reverse, one per block, joined to its input along the
// channels.
func (c UNetConfig) plan() []level {
	levels := make([]level, len(c.Channels))
	skips := []int{c.Channels[0]} // conv_in's output
	in, h, w := c.Channels[0], c.Height, c.Width
	last := len(c.Channels) - 1
	for i, ch := range c.Channels {
		levels[i] = level{h: h, w: w, channels: ch, attention: c.Attention[i]}
		for range c.Blocks {
			levels[i].down = append(levels[i].down, blockIO{in, ch})
			in = ch
			skips = append(skips, ch)
		}
		if i < last {
			skips = append(skips, ch) // the downsampled map
			h, w = h/2, w/2
		}
	}
	for i := last; i >= 0; i-- {
		for range c.Blocks + 1 {
			s := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			levels[i].up = append(levels[i].up, blockIO{in + s, c.Channels[i]})
			in = c.Channels[i]
		}
	}
	return levels
}

// Footprint estimates, from the configuration alone, the parameters
// NewUNet makes and the activations of one image's forward pass (see
// graphs.Footprint). c must have its defaults and pass Validate.
func (c UNetConfig) Footprint() graphs.Footprint {
	var f graphs.Footprint
	ch, h, w := c.ImageShape()
	e := c.embedWidth()
	f.Linear(c.TimeDim, e)
	f.Linear(e, e)
	if c.Classes > 0 {
		f.Params = graphs.AddSat(f.Params, graphs.MulSat(int64(c.Classes), int64(e)))
		f.Values(int64(e))
	}
	f.Conv(ch, c.Channels[0], 3, h, w)
	res := func(b blockIO, h, w int) {
		f.GroupNorm(b.in, h, w)
		f.Conv(b.in, b.out, 3, h, w)
		f.Linear(e, b.out)
		f.GroupNorm(b.out, h, w)
		f.Conv(b.out, b.out, 3, h, w)
		if b.in != b.out {
			f.Conv(b.in, b.out, 1, h, w)
		}
	}
	attn := func(channels, h, w int) { f.Add(attention.Config{}.Footprint(channels, h, w, false), 1) }
	levels := c.plan()
	for i, lv := range levels {
		for _, b := range lv.down {
			res(b, lv.h, lv.w)
			if lv.attention {
				attn(b.out, lv.h, lv.w)
			}
		}
		if i < len(levels)-1 {
			f.Conv(lv.channels, lv.channels, 3, levels[i+1].h, levels[i+1].w)
		}
	}
	low := levels[len(levels)-1]
	res(blockIO{low.channels, low.channels}, low.h, low.w)
	attn(low.channels, low.h, low.w)
	res(blockIO{low.channels, low.channels}, low.h, low.w)
	for i := len(levels) - 1; i >= 0; i-- {
		lv := levels[i]
		for _, b := range lv.up {
			f.Values(graphs.MulSat(int64(b.in), graphs.MulSat(int64(lv.h), int64(lv.w)))) // the joined maps
			res(b, lv.h, lv.w)
			if lv.attention {
				attn(b.out, lv.h, lv.w)
			}
		}
		if i > 0 {
			up := levels[i-1]
			f.Values(graphs.MulSat(int64(lv.channels), graphs.MulSat(int64(up.h), int64(up.w)))) // the upsampled maps
			f.Conv(lv.channels, lv.channels, 3, up.h, up.w)
		}
	}
	f.GroupNorm(c.Channels[0], h, w)
	f.Conv(c.Channels[0], ch, 3, h, w)
	return f
}

// ResBlock is a residual block of the U-Net (Ho et al. 2020):
//
//	h = conv1(SiLU(norm1(x))) + emb(SiLU(e))   (per image and channel)
//	y = skip(x) + conv2(SiLU(norm2(h)))
//
// e is the time (and label) embedding; skip is a 1×1 convolution when the
// block changes the number of channels and the identity otherwise.
type ResBlock struct {
	Norm1 *graphs.GroupNorm
	Conv1 *graphs.Conv2d // 3×3
	Emb   *graphs.Linear // the embedding projected to the block's channels
	Norm2 *graphs.GroupNorm
	Conv2 *graphs.Conv2d // 3×3, starts at zero
	Skip  *graphs.Conv2d // 1×1; nil when in = out
}

func newResBlock(prefix string, io blockIO, groups, embed int, rng *rand.Rand) *ResBlock {
	r := &ResBlock{
		Norm1: graphs.NewGroupNorm(prefix+".norm1", groups, io.in),
		Conv1: graphs.NewConv2d(prefix+".conv1", io.in, io.out, 3, 1, 1, rng),
		Emb:   graphs.NewLinear(prefix+".emb", embed, io.out, rng),
		Norm2: graphs.NewGroupNorm(prefix+".norm2", groups, io.out),
		Conv2: zeroConv(prefix+".conv2", io.out, io.out, rng),
	}
	if io.in != io.out {
		r.Skip = graphs.NewConv2d(prefix+".skip", io.in, io.out, 1, 1, 0, rng)
	}
	return r
}

// zeroConv returns a 3×3 convolution (padding 1) whose weight and bias
// start at zero, after drawing them as NewConv2d does so that the draws of
// the layers after it do not depend on it.
func zeroConv(prefix string, in, out int, rng *rand.Rand) *graphs.Conv2d {
	c := graphs.NewConv2d(prefix, in, out, 3, 1, 1, rng)
	clear(c.Weight.Float32s())
	clear(c.Bias.Float32s())
	return c
}

// Params returns the block's parameters in declaration order.
func (r *ResBlock) Params() graphs.Params { return graphs.CollectParams(r) }

// Forward returns the block applied to x [batch, in, h, w], given the
// activated embedding e = SiLU(embedding) [batch, embed].
func (r *ResBlock) Forward(b *graphs.Builder, x, e *G.Node) *G.Node {
	h := r.Conv1.Forward(b, b.SiLU(r.Norm1.Forward(b, x)))
	h = b.AddToMaps(h, r.Emb.Forward(b, e))
	h = r.Conv2.Forward(b, b.SiLU(r.Norm2.Forward(b, h)))
	if r.Skip != nil {
		x = r.Skip.Forward(b, x)
	}
	return b.Add(x, h)
}

// DownLevel is one level of the way down: residual blocks, each followed
// by an attention block when the level attends, then a stride-2 3×3
// convolution (padding 1) that halves the maps, on every level but the
// last.
type DownLevel struct {
	Res        []*ResBlock
	Attn       []*attention.Block // one per residual block, or none
	Downsample *graphs.Conv2d     // nil on the last level
}

// Middle is the bottom of the U: a residual block, self-attention and a
// residual block at the lowest resolution.
type Middle struct {
	Res1 *ResBlock
	Attn *attention.Block
	Res2 *ResBlock
}

// UpLevel is one level of the way up: Blocks+1 residual blocks, each on
// its input joined with a skip connection along the channels and followed
// by an attention block when the level attends, then nearest-neighbour
// upsampling ×2 and a 3×3 convolution, on every level but the first.
type UpLevel struct {
	Res      []*ResBlock
	Attn     []*attention.Block
	Upsample *graphs.Conv2d // nil on the first level
}

// UNet predicts the noise ε in a noisy image x_t from x_t, the timestep
// and, for a conditional model, a label (Ho et al. 2020; Ronneberger et
// al. 2015).
//
// Parameters are named as a PyTorch module of the same structure would
// name them, under the prefix p given to NewUNet, and listed in this
// order: p.time.fc1 and p.time.fc2 (weight, bias); p.label.weight;
// p.conv_in; for each level i from the image's resolution down,
// p.down.i.res.j.{norm1, conv1, emb, norm2, conv2, skip} for its blocks j,
// then p.down.i.attn.j.{f, g, h, gamma} (the attention package's names),
// then p.down.i.downsample; p.mid.res1, p.mid.attn, p.mid.res2; the same
// for p.up.i (with p.up.i.upsample), levels again from the image's
// resolution down; p.out.norm, p.out.conv. A GroupNorm's γ and β are its
// weight and bias.
type UNet struct {
	Config  UNetConfig
	TimeFC1 *graphs.Linear // TimeDim → 4·Channels[0]
	TimeFC2 *graphs.Linear // 4·Channels[0] → 4·Channels[0]
	// Label is the label embedding's weight [4·Channels[0], Classes], a
	// Linear layer without bias (so that an all-zero label adds nothing);
	// nil for an unconditional model.
	Label   *graphs.Param
	ConvIn  *graphs.Conv2d // 3×3, image channels → Channels[0]
	Down    []*DownLevel   // by level, from the image's resolution down
	Mid     *Middle
	Up      []*UpLevel // by level as Down; run from the last level to the first
	OutNorm *graphs.GroupNorm
	OutConv *graphs.Conv2d // 3×3, Channels[0] → image channels, starts at zero
}

// NewUNet returns a U-Net whose parameter names start with prefix, with
// PyTorch's default initialisation drawn from rng in the order of
// [UNet.Params], except that the last convolution of every residual block
// and the output convolution start at zero (as in Ho et al.'s code): each
// block starts as its skip path, and the network starts by predicting
// ε̂ = 0, so the first loss is the noise's variance whatever the weights
// behind. cfg gets its defaults; the caller bounds its memory with
// cfg.Footprint first.
func NewUNet(prefix string, cfg UNetConfig, rng *rand.Rand) (*UNet, error) {
	if prefix == "" {
		return nil, errors.New("diffusion: u-net: empty parameter prefix")
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ch, _, _ := cfg.ImageShape()
	e := cfg.embedWidth()
	u := &UNet{
		Config:  cfg,
		TimeFC1: graphs.NewLinear(prefix+".time.fc1", cfg.TimeDim, e, rng),
		TimeFC2: graphs.NewLinear(prefix+".time.fc2", e, e, rng),
	}
	if cfg.Classes > 0 {
		u.Label = graphs.NewParam(prefix+".label.weight", e, cfg.Classes)
		graphs.Uniform(u.Label, 1/math.Sqrt(float64(cfg.Classes)), rng)
	}
	u.ConvIn = graphs.NewConv2d(prefix+".conv_in", ch, cfg.Channels[0], 3, 1, 1, rng)
	levels := cfg.plan()
	for i, lv := range levels {
		p := prefix + ".down." + strconv.Itoa(i)
		d := &DownLevel{}
		var err error
		if d.Res, d.Attn, err = newLevelBlocks(p, lv.down, lv.attention, cfg.Groups, e, rng); err != nil {
			return nil, err
		}
		if i < len(levels)-1 {
			d.Downsample = graphs.NewConv2d(p+".downsample", lv.channels, lv.channels, 3, 2, 1, rng)
		}
		u.Down = append(u.Down, d)
	}
	low := blockIO{cfg.Channels[len(cfg.Channels)-1], cfg.Channels[len(cfg.Channels)-1]}
	u.Mid = &Middle{Res1: newResBlock(prefix+".mid.res1", low, cfg.Groups, e, rng)}
	attn, err := attention.New(prefix+".mid.attn", low.out, attention.Config{}, rng)
	if err != nil {
		return nil, err
	}
	u.Mid.Attn = attn
	u.Mid.Res2 = newResBlock(prefix+".mid.res2", low, cfg.Groups, e, rng)
	for i, lv := range levels {
		p := prefix + ".up." + strconv.Itoa(i)
		up := &UpLevel{}
		if up.Res, up.Attn, err = newLevelBlocks(p, lv.up, lv.attention, cfg.Groups, e, rng); err != nil {
			return nil, err
		}
		if i > 0 {
			up.Upsample = graphs.NewConv2d(p+".upsample", lv.channels, lv.channels, 3, 1, 1, rng)
		}
		u.Up = append(u.Up, up)
	}
	u.OutNorm = graphs.NewGroupNorm(prefix+".out.norm", cfg.Groups, cfg.Channels[0])
	u.OutConv = zeroConv(prefix+".out.conv", cfg.Channels[0], ch, rng)
	return u, nil
}

// newLevelBlocks returns the residual blocks p.res.j of one level's way
// down or up and, when the level attends, the attention blocks p.attn.j
// after them (the paper's form), drawn from rng in that order.
func newLevelBlocks(p string, ios []blockIO, attend bool, groups, embed int, rng *rand.Rand) ([]*ResBlock, []*attention.Block, error) {
	var res []*ResBlock
	for j, io := range ios {
		res = append(res, newResBlock(p+".res."+strconv.Itoa(j), io, groups, embed, rng))
	}
	if !attend {
		return res, nil, nil
	}
	var attn []*attention.Block
	for j, io := range ios {
		a, err := attention.New(p+".attn."+strconv.Itoa(j), io.out, attention.Config{}, rng)
		if err != nil {
			return nil, nil, err
		}
		attn = append(attn, a)
	}
	return res, attn, nil
}

// Params returns the parameters in the order of the fields of UNet and of
// its levels and blocks (see [UNet]).
func (u *UNet) Params() graphs.Params { return graphs.CollectParams(u) }

// Forward adds the predicted noise ε̂ [batch, C·H·W] to b, for noisy
// images x [batch, C·H·W] (flat, CHW order), their timesteps' sinusoidal
// embeddings temb [batch, TimeDim] (see [TimestepEmbedding]) and, for a
// conditional model, one-hot labels y [batch, Classes]. An all-zero row
// of y, or y nil, is the null label of classifier-free guidance: the
// label embedding is linear without bias, so it adds nothing. Labels
// given to an unconditional model fail the builder.
func (u *UNet) Forward(b *graphs.Builder, x, temb, y *G.Node) *G.Node {
	if b.Err() != nil || x == nil || temb == nil {
		b.Fail("u-net", errors.New("no input (an earlier step failed)"))
		return nil
	}
	cfg := u.Config
	ch, h, w := cfg.ImageShape()
	xs, ts := x.Shape(), temb.Shape()
	batch := xs[0]
	switch {
	case x.Dims() != 2 || xs[1] != cfg.Pixels():
		b.Fail("u-net", fmt.Errorf("want images [batch, %d] (%d×%d×%d), got %v", cfg.Pixels(), ch, h, w, xs))
		return nil
	case temb.Dims() != 2 || ts[0] != batch || ts[1] != cfg.TimeDim:
		b.Fail("u-net", fmt.Errorf("want timestep embeddings [%d, %d], got %v", batch, cfg.TimeDim, ts))
		return nil
	case y != nil && cfg.Classes == 0:
		b.Fail("u-net", errors.New("labels given to an unconditional model"))
		return nil
	case y != nil && (y.Dims() != 2 || y.Shape()[0] != batch || y.Shape()[1] != cfg.Classes):
		b.Fail("u-net", fmt.Errorf("want one-hot labels [%d, %d], got %v", batch, cfg.Classes, y.Shape()))
		return nil
	}
	emb := u.TimeFC2.Forward(b, b.SiLU(u.TimeFC1.Forward(b, temb)))
	if y != nil {
		emb = b.Add(emb, b.MatMulT(y, b.Param(u.Label)))
	}
	e := b.SiLU(emb) // every block projects SiLU(embedding)

	hid := u.ConvIn.Forward(b, b.Reshape(x, batch, ch, h, w))
	skips := []*G.Node{hid}
	for _, lv := range u.Down {
		for j, r := range lv.Res {
			hid = r.Forward(b, hid, e)
			if lv.Attn != nil {
				hid = lv.Attn[j].Forward(b, hid)
			}
			skips = append(skips, hid)
		}
		if lv.Downsample != nil {
			hid = lv.Downsample.Forward(b, hid)
			skips = append(skips, hid)
		}
	}
	hid = u.Mid.Res2.Forward(b, u.Mid.Attn.Forward(b, u.Mid.Res1.Forward(b, hid, e)), e)
	for i := len(u.Up) - 1; i >= 0; i-- {
		lv := u.Up[i]
		for j, r := range lv.Res {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			hid = r.Forward(b, b.Concat(1, hid, skip), e)
			if lv.Attn != nil {
				hid = lv.Attn[j].Forward(b, hid)
			}
		}
		if lv.Upsample != nil {
			hid = lv.Upsample.Forward(b, b.Upsample(hid, 2))
		}
	}
	out := u.OutConv.Forward(b, b.SiLU(u.OutNorm.Forward(b, hid)))
	return b.Reshape(out, batch, cfg.Pixels())
}

// TimestepEmbedding writes the sinusoidal embedding of each timestep of t
// into dst (len(t)·dim values, row after row), as Ho et al.'s code and
// "Attention is all you need" define it: with half = ⌊dim/2⌋ frequencies
// f_k = 10000^(−k/(half−1)), k = 0 … half−1, a row is
// [sin(t·f_0) … sin(t·f_{half−1}), cos(t·f_0) … cos(t·f_{half−1})], and a
// zero at the end when dim is odd. It panics if dst is shorter.
func TimestepEmbedding(t []int, dim int, dst []float32) {
	if len(dst) < len(t)*dim {
		panic(fmt.Sprintf("diffusion: %d timestep embeddings of %d values need %d values, got %d", len(t), dim, len(t)*dim, len(dst)))
	}
	half := dim / 2
	step := 0.0 // the log of the ratio of two neighbouring frequencies
	if half > 1 {
		step = math.Log(10000) / float64(half-1)
	}
	for i, ti := range t {
		row := dst[i*dim : (i+1)*dim]
		for k := range half {
			arg := float64(ti) * math.Exp(-step*float64(k))
			row[k] = float32(math.Sin(arg))
			row[half+k] = float32(math.Cos(arg))
		}
		if dim%2 == 1 {
			row[dim-1] = 0
		}
	}
}
