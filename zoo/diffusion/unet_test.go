package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
)

// tinyUNet has every part of the architecture on 4×4 images: two levels
// (a downsampling and an upsampling), skip convolutions where the width
// changes, attention on the lower level and in the middle, and labels.
var tinyUNet = UNetConfig{Height: 4, Width: 4, Channels: []int{4, 8}, Groups: 2, TimeDim: 6, Classes: 3, Attention: []bool{false, true}}

// perturb adds N(0, 0.3²) noise to every parameter, so that the layers
// that start at zero (the last convolution of each block and of the
// output, the attention scales) take part.
func perturb(ps graphs.Params, rng *rand.Rand) {
	for _, p := range ps {
		d := p.Float32s()
		for i := range d {
			d[i] += float32(0.3 * rng.NormFloat64())
		}
	}
}

// toFloat64 turns the U-Net's parameters into float64 copies in place.
func toFloat64(u *UNet) {
	ps := u.Params()
	for i, p := range ps.ToFloat64() {
		ps[i].Value = p.Value
	}
}

// unetInputs adds the U-Net's inputs for batch images to b: noisy images
// and timestep embeddings drawn from seed, and, for a conditional model
// (labels true), one-hot labels of classes 0, 1, … with the last row
// all zero (the null label).
func unetInputs(t *testing.T, b *graphs.Builder, u *UNet, batch int, seed uint64, labels bool) (x, temb, y *G.Node) {
	t.Helper()
	cfg := u.Config
	x = b.Input("x", batch, cfg.Pixels())
	testutil.FillNormal(t, x, rand.New(rand.NewPCG(seed, 1)), 1)
	temb = b.Input("temb", batch, cfg.TimeDim)
	steps := make([]int, batch)
	for i := range steps {
		steps[i] = 1 + 397*i%1000
	}
	e := make([]float32, batch*cfg.TimeDim)
	TimestepEmbedding(steps, cfg.TimeDim, e)
	setValues(graphs.Value(temb), e)
	if labels {
		y = b.Input("y", batch, cfg.Classes)
		oneHot := make([]float32, batch*cfg.Classes)
		for i := range batch - 1 {
			oneHot[i*cfg.Classes+i%cfg.Classes] = 1
		}
		setValues(graphs.Value(y), oneHot)
	}
	return x, temb, y
}

func setValues(d *tensor.Dense, vs []float32) {
	switch data := d.Data().(type) {
	case []float32:
		copy(data, vs)
	case []float64:
		for i, v := range vs {
			data[i] = float64(v)
		}
	}
}

func TestUNetOutputShape(t *testing.T) {
	for _, cfg := range []UNetConfig{
		{}, // 1×28×28: 28 → 14 → 7
		{ImageChannels: 3, Height: 32, Width: 32}, // 32 → 16 → 8
		{Height: 16, Width: 24, Channels: []int{8, 16, 16, 32}, Blocks: 2, Attention: []bool{false, false, true, true}},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d", max(cfg.ImageChannels, 1), cfg.Height, cfg.Width), func(t *testing.T) {
			u, err := NewUNet("unet", cfg, rand.New(rand.NewPCG(1, 2)))
			require.NoError(t, err)
			perturb(u.Params(), rand.New(rand.NewPCG(3, 4)))
			b := graphs.NewBuilder()
			x, temb, _ := unetInputs(t, b, u, 2, 5, false)
			out := u.Forward(b, x, temb, nil)
			require.NoError(t, b.Err())
			require.Equal(t, tensor.Shape{2, u.Config.Pixels()}, out.Shape())
			kept := b.Keep(out)
			vm, err := b.Compile()
			require.NoError(t, err)
			require.NoError(t, vm.Run())
			for i, v := range kept.Float32s() {
				require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0), "ε̂[%d] = %v", i, v)
			}
		})
	}
}

// TestUNetStartsAtZero: the output convolution starts at zero, so a new
// U-Net predicts ε̂ = 0, and every residual block's last convolution and
// every attention scale start at zero too.
func TestUNetStartsAtZero(t *testing.T) {
	u, err := NewUNet("unet", tinyUNet, rand.New(rand.NewPCG(6, 7)))
	require.NoError(t, err)
	b := graphs.NewBuilder()
	x, temb, y := unetInputs(t, b, u, 3, 8, true)
	kept := b.Keep(u.Forward(b, x, temb, y))
	vm, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, vm.Run())
	require.Equal(t, make([]float32, 3*u.Config.Pixels()), kept.Float32s())
	zero := 0
	for _, p := range u.Params() {
		if name := p.Name; hasSuffix(name, ".conv2.weight", ".conv2.bias", ".out.conv.weight", ".out.conv.bias", ".gamma") {
			require.Equal(t, make([]float32, len(p.Float32s())), p.Float32s(), name)
			zero++
		}
	}
	require.Equal(t, 2*8+2+4, zero, "8 blocks, the output convolution and 4 attention blocks")
}

func hasSuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if len(s) >= len(x) && s[len(s)-len(x):] == x {
			return true
		}
	}
	return false
}

// TestUNetGradient checks the gradient of a whole tiny U-Net's loss, the
// mean squared difference of ε̂ and a target, against finite differences
// of the float64 graph, conditional (labels, with a null row) and not.
func TestUNetGradient(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  UNetConfig
	}{
		{"conditional", tinyUNet},
		{"unconditional rgb", UNetConfig{ImageChannels: 3, Height: 4, Width: 4, Channels: []int{4, 4}, Groups: 2, TimeDim: 5, Attention: []bool{true, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := NewUNet("unet", tc.cfg, rand.New(rand.NewPCG(9, 10)))
			require.NoError(t, err)
			perturb(u.Params(), rand.New(rand.NewPCG(11, 12)))
			toFloat64(u)
			require.NoError(t, testutil.GradCheck(u.Params(), func(b *graphs.Builder) *G.Node {
				x, temb, y := unetInputs(t, b, u, 3, 13, u.Config.Classes > 0)
				target := b.Input("eps", 3, u.Config.Pixels())
				testutil.FillNormal(t, target, rand.New(rand.NewPCG(14, 15)), 1)
				d := b.Sub(u.Forward(b, x, temb, y), target)
				return b.Mean(b.Mul(d, d))
			}, 4, 1e-5))
		})
	}
}

// TestUNetNullLabel: y nil and all-zero label rows give the same ε̂ (the
// null label of classifier-free guidance), and a label changes it.
func TestUNetNullLabel(t *testing.T) {
	u, err := NewUNet("unet", tinyUNet, rand.New(rand.NewPCG(16, 17)))
	require.NoError(t, err)
	perturb(u.Params(), rand.New(rand.NewPCG(18, 19)))
	run := func(labels []float32) []float32 {
		b := graphs.NewBuilder()
		x, temb, y := unetInputs(t, b, u, 3, 20, labels != nil)
		if labels != nil {
			setValues(graphs.Value(y), labels)
		}
		kept := b.Keep(u.Forward(b, x, temb, y))
		vm, err := b.Compile()
		require.NoError(t, err)
		require.NoError(t, vm.Run())
		return append([]float32(nil), kept.Float32s()...)
	}
	none := run(nil)
	require.Equal(t, none, run(make([]float32, 3*3)))
	labelled := run([]float32{1, 0, 0, 0, 1, 0, 0, 0, 0})
	n := u.Config.Pixels()
	require.NotEqual(t, none[:n], labelled[:n], "image 0 has a label")
	require.NotEqual(t, none[n:2*n], labelled[n:2*n], "image 1 has a label")
	require.Equal(t, none[2*n:], labelled[2*n:], "image 2 has the null label")
}

func TestUNetForwardErrors(t *testing.T) {
	cond, err := NewUNet("c", tinyUNet, rand.New(rand.NewPCG(21, 22)))
	require.NoError(t, err)
	uncond, err := NewUNet("u", UNetConfig{Height: 4, Width: 4, Channels: []int{4}}, rand.New(rand.NewPCG(23, 24)))
	require.NoError(t, err)
	for _, tc := range []struct {
		name       string
		u          *UNet
		x, temb, y []int
		want       string
	}{
		{"image size", cond, []int{2, 15}, []int{2, 6}, nil, "want images [batch, 16] (1×4×4), got (2, 15)"},
		{"embedding size", cond, []int{2, 16}, []int{2, 5}, nil, "want timestep embeddings [2, 6], got (2, 5)"},
		{"embedding batch", cond, []int{2, 16}, []int{3, 6}, nil, "want timestep embeddings [2, 6], got (3, 6)"},
		{"label count", cond, []int{2, 16}, []int{2, 6}, []int{2, 4}, "want one-hot labels [2, 3], got (2, 4)"},
		{"labels unconditional", uncond, []int{2, 16}, []int{2, 16}, []int{2, 3}, "labels given to an unconditional model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := graphs.NewBuilder()
			var y *G.Node
			if tc.y != nil {
				y = b.Input("y", tc.y...)
			}
			require.Nil(t, tc.u.Forward(b, b.Input("x", tc.x...), b.Input("temb", tc.temb...), y))
			require.ErrorContains(t, b.Err(), tc.want)
		})
	}
}

// TestUNetParamNames pins the names, shapes and order of a small U-Net's
// parameters: they are a checkpoint's tensor names.
func TestUNetParamNames(t *testing.T) {
	u, err := NewUNet("unet", UNetConfig{Height: 4, Width: 4, Channels: []int{4, 8}, Groups: 2, TimeDim: 6, Classes: 3, Attention: []bool{false, true}}, rand.New(rand.NewPCG(25, 26)))
	require.NoError(t, err)
	ps := u.Params()
	require.NoError(t, ps.Validate(), "names are unique")
	var got []string
	for _, p := range ps {
		got = append(got, fmt.Sprintf("%s %v", p.Name, p.Shape()))
	}
	require.Equal(t, wantTinyNames, got)
}

var wantTinyNames = []string{
	"unet.time.fc1.weight [16 6]",
	"unet.time.fc1.bias [16]",
	"unet.time.fc2.weight [16 16]",
	"unet.time.fc2.bias [16]",
	"unet.label.weight [16 3]",
	"unet.conv_in.weight [4 1 3 3]",
	"unet.conv_in.bias [4]",
	"unet.down.0.res.0.norm1.weight [4]",
	"unet.down.0.res.0.norm1.bias [4]",
	"unet.down.0.res.0.conv1.weight [4 4 3 3]",
	"unet.down.0.res.0.conv1.bias [4]",
	"unet.down.0.res.0.emb.weight [4 16]",
	"unet.down.0.res.0.emb.bias [4]",
	"unet.down.0.res.0.norm2.weight [4]",
	"unet.down.0.res.0.norm2.bias [4]",
	"unet.down.0.res.0.conv2.weight [4 4 3 3]",
	"unet.down.0.res.0.conv2.bias [4]",
	"unet.down.0.downsample.weight [4 4 3 3]",
	"unet.down.0.downsample.bias [4]",
	"unet.down.1.res.0.norm1.weight [4]",
	"unet.down.1.res.0.norm1.bias [4]",
	"unet.down.1.res.0.conv1.weight [8 4 3 3]",
	"unet.down.1.res.0.conv1.bias [8]",
	"unet.down.1.res.0.emb.weight [8 16]",
	"unet.down.1.res.0.emb.bias [8]",
	"unet.down.1.res.0.norm2.weight [8]",
	"unet.down.1.res.0.norm2.bias [8]",
	"unet.down.1.res.0.conv2.weight [8 8 3 3]",
	"unet.down.1.res.0.conv2.bias [8]",
	"unet.down.1.res.0.skip.weight [8 4 1 1]",
	"unet.down.1.res.0.skip.bias [8]",
	"unet.down.1.attn.0.f.weight [1 8 1 1]",
	"unet.down.1.attn.0.f.bias [1]",
	"unet.down.1.attn.0.g.weight [1 8 1 1]",
	"unet.down.1.attn.0.g.bias [1]",
	"unet.down.1.attn.0.h.weight [8 8 1 1]",
	"unet.down.1.attn.0.h.bias [8]",
	"unet.down.1.attn.0.gamma [1]",
	"unet.mid.res1.norm1.weight [8]",
	"unet.mid.res1.norm1.bias [8]",
	"unet.mid.res1.conv1.weight [8 8 3 3]",
	"unet.mid.res1.conv1.bias [8]",
	"unet.mid.res1.emb.weight [8 16]",
	"unet.mid.res1.emb.bias [8]",
	"unet.mid.res1.norm2.weight [8]",
	"unet.mid.res1.norm2.bias [8]",
	"unet.mid.res1.conv2.weight [8 8 3 3]",
	"unet.mid.res1.conv2.bias [8]",
	"unet.mid.attn.f.weight [1 8 1 1]",
	"unet.mid.attn.f.bias [1]",
	"unet.mid.attn.g.weight [1 8 1 1]",
	"unet.mid.attn.g.bias [1]",
	"unet.mid.attn.h.weight [8 8 1 1]",
	"unet.mid.attn.h.bias [8]",
	"unet.mid.attn.gamma [1]",
	"unet.mid.res2.norm1.weight [8]",
	"unet.mid.res2.norm1.bias [8]",
	"unet.mid.res2.conv1.weight [8 8 3 3]",
	"unet.mid.res2.conv1.bias [8]",
	"unet.mid.res2.emb.weight [8 16]",
	"unet.mid.res2.emb.bias [8]",
	"unet.mid.res2.norm2.weight [8]",
	"unet.mid.res2.norm2.bias [8]",
	"unet.mid.res2.conv2.weight [8 8 3 3]",
	"unet.mid.res2.conv2.bias [8]",
	"unet.up.0.res.0.norm1.weight [12]",
	"unet.up.0.res.0.norm1.bias [12]",
	"unet.up.0.res.0.conv1.weight [4 12 3 3]",
	"unet.up.0.res.0.conv1.bias [4]",
	"unet.up.0.res.0.emb.weight [4 16]",
	"unet.up.0.res.0.emb.bias [4]",
	"unet.up.0.res.0.norm2.weight [4]",
	"unet.up.0.res.0.norm2.bias [4]",
	"unet.up.0.res.0.conv2.weight [4 4 3 3]",
	"unet.up.0.res.0.conv2.bias [4]",
	"unet.up.0.res.0.skip.weight [4 12 1 1]",
	"unet.up.0.res.0.skip.bias [4]",
	"unet.up.0.res.1.norm1.weight [8]",
	"unet.up.0.res.1.norm1.bias [8]",
	"unet.up.0.res.1.conv1.weight [4 8 3 3]",
	"unet.up.0.res.1.conv1.bias [4]",
	"unet.up.0.res.1.emb.weight [4 16]",
	"unet.up.0.res.1.emb.bias [4]",
	"unet.up.0.res.1.norm2.weight [4]",
	"unet.up.0.res.1.norm2.bias [4]",
	"unet.up.0.res.1.conv2.weight [4 4 3 3]",
	"unet.up.0.res.1.conv2.bias [4]",
	"unet.up.0.res.1.skip.weight [4 8 1 1]",
	"unet.up.0.res.1.skip.bias [4]",
	"unet.up.1.res.0.norm1.weight [16]",
	"unet.up.1.res.0.norm1.bias [16]",
	"unet.up.1.res.0.conv1.weight [8 16 3 3]",
	"unet.up.1.res.0.conv1.bias [8]",
	"unet.up.1.res.0.emb.weight [8 16]",
	"unet.up.1.res.0.emb.bias [8]",
	"unet.up.1.res.0.norm2.weight [8]",
	"unet.up.1.res.0.norm2.bias [8]",
	"unet.up.1.res.0.conv2.weight [8 8 3 3]",
	"unet.up.1.res.0.conv2.bias [8]",
	"unet.up.1.res.0.skip.weight [8 16 1 1]",
	"unet.up.1.res.0.skip.bias [8]",
	"unet.up.1.res.1.norm1.weight [12]",
	"unet.up.1.res.1.norm1.bias [12]",
	"unet.up.1.res.1.conv1.weight [8 12 3 3]",
	"unet.up.1.res.1.conv1.bias [8]",
	"unet.up.1.res.1.emb.weight [8 16]",
	"unet.up.1.res.1.emb.bias [8]",
	"unet.up.1.res.1.norm2.weight [8]",
	"unet.up.1.res.1.norm2.bias [8]",
	"unet.up.1.res.1.conv2.weight [8 8 3 3]",
	"unet.up.1.res.1.conv2.bias [8]",
	"unet.up.1.res.1.skip.weight [8 12 1 1]",
	"unet.up.1.res.1.skip.bias [8]",
	"unet.up.1.attn.0.f.weight [1 8 1 1]",
	"unet.up.1.attn.0.f.bias [1]",
	"unet.up.1.attn.0.g.weight [1 8 1 1]",
	"unet.up.1.attn.0.g.bias [1]",
	"unet.up.1.attn.0.h.weight [8 8 1 1]",
	"unet.up.1.attn.0.h.bias [8]",
	"unet.up.1.attn.0.gamma [1]",
	"unet.up.1.attn.1.f.weight [1 8 1 1]",
	"unet.up.1.attn.1.f.bias [1]",
	"unet.up.1.attn.1.g.weight [1 8 1 1]",
	"unet.up.1.attn.1.g.bias [1]",
	"unet.up.1.attn.1.h.weight [8 8 1 1]",
	"unet.up.1.attn.1.h.bias [8]",
	"unet.up.1.attn.1.gamma [1]",
	"unet.up.1.upsample.weight [8 8 3 3]",
	"unet.up.1.upsample.bias [8]",
	"unet.out.norm.weight [4]",
	"unet.out.norm.bias [4]",
	"unet.out.conv.weight [1 4 3 3]",
	"unet.out.conv.bias [1]",
}

func TestUNetFootprintCountsParams(t *testing.T) {
	for _, cfg := range []UNetConfig{
		{},
		{ImageChannels: 3, Height: 32, Width: 32, Classes: 10},
		tinyUNet,
		{Channels: []int{8, 16}, Blocks: 3, Attention: []bool{true, true}, Classes: 2, TimeDim: 7, Height: 6, Width: 10},
	} {
		u, err := NewUNet("unet", cfg, rand.New(rand.NewPCG(27, 28)))
		require.NoError(t, err)
		require.Equal(t, int64(u.Params().Count()), u.Config.Footprint().Params, "%+v", cfg)
	}
}

func TestUNetConfig(t *testing.T) {
	def := UNetConfig{}.WithDefaults()
	require.Equal(t, UNetConfig{Height: 28, Width: 28, Channels: []int{16, 32, 64}, Blocks: 1, TimeDim: 64, Groups: 8, Attention: []bool{false, false, true}}, def)
	require.Equal(t, def, def.WithDefaults(), "defaults are kept")
	require.Equal(t, 0, UNetConfig{ImageChannels: 1}.WithDefaults().ImageChannels, "grey is the default")
	require.Equal(t, 6, UNetConfig{Channels: []int{12, 24}}.WithDefaults().Groups, "the largest up to 8 that divides every width")
	require.Equal(t, 1, UNetConfig{Channels: []int{5, 7}}.WithDefaults().Groups)

	for _, tc := range []struct {
		name string
		cfg  UNetConfig
		want string
	}{
		{"image channels", UNetConfig{ImageChannels: 2}, "image channels must be 1 (grey) or 3 (RGB), got 2"},
		{"no levels", UNetConfig{Channels: []int{}}, "1 to 8 levels (widths), got 0"},
		{"zero width", UNetConfig{Channels: []int{16, 0}}, "widths must be positive, got [16 0]"},
		{"odd size", UNetConfig{Height: 30}, "3 levels halve the image 2 times, so its height and width must be positive multiples of 4; got 30x28"},
		{"blocks", UNetConfig{Blocks: -1}, "1 to 16 residual blocks per level, got -1"},
		{"time dim", UNetConfig{TimeDim: 1}, "the timestep embedding needs 2 to 65536 values, got 1"},
		{"classes", UNetConfig{Classes: -1}, "classes must be from 0 (unconditional) to 65536, got -1"},
		{"groups", UNetConfig{Groups: 3}, "3 GroupNorm groups do not divide every width of [16 32 64]"},
		{"attention flags", UNetConfig{Attention: []bool{true}}, "attention needs one flag per level (3), got 1: [true]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.WithDefaults().Validate()
			require.ErrorContains(t, err, "diffusion: u-net: "+tc.want)
			_, err = NewUNet("unet", tc.cfg, rand.New(rand.NewPCG(29, 30)))
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := NewUNet("", UNetConfig{}, rand.New(rand.NewPCG(31, 32)))
	require.ErrorContains(t, err, "empty parameter prefix")
}

func TestTimestepEmbedding(t *testing.T) {
	const dim = 8 // 4 frequencies: 1, 10000^(−1/3), 10000^(−2/3), 1/10000
	got := make([]float32, 3*dim)
	TimestepEmbedding([]int{0, 1, 999}, dim, got)
	for i, step := range []float64{0, 1, 999} {
		for k := range 4 {
			f := math.Pow(10000, -float64(k)/3)
			require.InDelta(t, math.Sin(step*f), got[i*dim+k], 1e-6, "t=%v sin %d", step, k)
			require.InDelta(t, math.Cos(step*f), got[i*dim+4+k], 1e-6, "t=%v cos %d", step, k)
		}
	}
	require.Equal(t, []float32{0, 0, 0, 0, 1, 1, 1, 1}, got[:dim])

	odd := []float32{9, 9, 9, 9, 9}
	TimestepEmbedding([]int{3}, 5, odd)
	require.InDelta(t, math.Sin(3), odd[0], 1e-6)
	require.InDelta(t, math.Sin(3e-4), odd[1], 1e-6)
	require.InDelta(t, math.Cos(3), odd[2], 1e-6)
	require.Zero(t, odd[4], "an odd size ends with a zero")

	require.PanicsWithValue(t, "diffusion: 2 timestep embeddings of 4 values need 8 values, got 7", func() {
		TimestepEmbedding([]int{1, 2}, 4, make([]float32, 7))
	})
}
