package vae

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
)

// names returns the parameters' names in order.
// TestParamOrder pins the names and the order of every architecture's
// parameters: checkpoints store them by name and the optimiser's state
// follows their order, so neither may change.
func TestParamOrder(t *testing.T) {
	attn := func(p string) []string {
		var out []string
		for _, l := range []string{"f", "g", "h", "v"} {
			out = append(out, p+".attn."+l+".weight", p+".attn."+l+".bias")
		}
		return append(out, p+".attn.gamma")
	}
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	heads := []string{"enc.fc1.weight", "enc.fc1.bias", "enc.fc_mu.weight", "enc.fc_mu.bias", "enc.fc_logvar.weight", "enc.fc_logvar.bias",
		"dec.fc1.weight", "dec.fc1.bias", "dec.fc2.weight", "dec.fc2.bias"}
	cases := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"mlp", Config{}, heads},
		{"conditional mlp with two hidden layers", Config{Classes: 3, Hidden: []int{16, 8}}, []string{
			"enc.fc1.weight", "enc.fc1.bias", "enc.fc2.weight", "enc.fc2.bias",
			"enc.fc_mu.weight", "enc.fc_mu.bias", "enc.fc_logvar.weight", "enc.fc_logvar.bias",
			"dec.fc1.weight", "dec.fc1.bias", "dec.fc2.weight", "dec.fc2.bias", "dec.fc3.weight", "dec.fc3.bias"}},
		{"conv", Config{Arch: ArchConv}, cat(
			[]string{"enc.conv1.weight", "enc.conv1.bias", "enc.conv2.weight", "enc.conv2.bias"}, heads,
			[]string{"dec.conv1.weight", "dec.conv1.bias", "dec.conv2.weight", "dec.conv2.bias"})},
		{"conv-attn with three stages", Config{Arch: ArchConvAttn, Channels: []int{4, 8, 8}, Height: 16, Width: 16}, cat(
			[]string{"enc.conv1.weight", "enc.conv1.bias"}, attn("enc"),
			[]string{"enc.conv2.weight", "enc.conv2.bias", "enc.conv3.weight", "enc.conv3.bias"}, heads,
			[]string{"dec.conv1.weight", "dec.conv1.bias", "dec.conv2.weight", "dec.conv2.bias"}, attn("dec"),
			[]string{"dec.conv3.weight", "dec.conv3.bias"})},
		{"conv-attn with one stage", Config{Arch: ArchConvAttn, Channels: []int{4}}, cat(
			[]string{"enc.conv1.weight", "enc.conv1.bias"}, attn("enc"), heads, attn("dec"),
			[]string{"dec.conv1.weight", "dec.conv1.bias"})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := New(c.cfg, 1)
			require.NoError(t, err)
			require.Equal(t, c.want, testutil.Names(m.Params()))

			// A forward pass through encoder and decoder binds exactly the
			// parameters listed.
			b := graphs.NewBuilder()
			y := m.labelInput(b, "y", 2)
			mu, _ := m.Encode(b, b.Input("x", 2, m.Config.Pixels()), y)
			m.Decode(b, mu, y)
			require.NoError(t, b.Err())
			require.ElementsMatch(t, c.want, testutil.Names(b.Bound()))
		})
	}
}

// TestAttentionErrorReported: a block that cannot be made is an error
// of the model, not a missing block.
func TestAttentionErrorReported(t *testing.T) {
	l := &freshLayers{rng: rand.New(rand.NewPCG(1, 2))}
	require.Nil(t, l.attention("enc.attn", 0))
	require.ErrorContains(t, l.made().err, "channel")
}
