package gan

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
)

// names returns the parameters' names in order.
// TestParamOrder pins the names and the order of every architecture's
// parameters: checkpoints store them by name and the optimiser's state
// follows their order, so neither may change. EMA -1 leaves out the
// weight average, which the last case has.
func TestParamOrder(t *testing.T) {
	attn := func(p string, sn bool) []string {
		var out []string
		for _, l := range []string{"f", "g", "h", "v"} {
			out = append(out, p+".attn."+l+".weight", p+".attn."+l+".bias")
			if sn {
				out = append(out, p+".attn."+l+".weight_u", p+".attn."+l+".weight_v")
			}
		}
		return append(out, p+".attn.gamma")
	}
	cases := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"mlp", Config{EMA: -1}, []string{"gen.fc1.weight", "gen.fc1.bias", "gen.fc2.weight", "gen.fc2.bias", "gen.fc3.weight", "gen.fc3.bias",
			"disc.fc1.weight", "disc.fc1.bias", "disc.fc2.weight", "disc.fc2.bias", "disc.fc3.weight", "disc.fc3.bias"}},
		{"conditional mlp with minibatch std", Config{Classes: 3, DMinibatchStd: true, DHidden: []int{8, 4}, GHidden: []int{8}, EMA: -1},
			[]string{"gen.fc1.weight", "gen.fc1.bias", "gen.fc2.weight", "gen.fc2.bias",
				"disc.fc1.weight", "disc.fc1.bias", "disc.fc2.weight", "disc.fc2.bias", "disc.fc3.weight", "disc.fc3.bias", "disc.embed.weight"}},
		{"dcgan", Config{Arch: "dcgan", EMA: -1}, []string{"gen.fc.weight", "gen.fc.bias", "gen.conv1.weight", "gen.conv1.bias", "gen.conv2.weight", "gen.conv2.bias",
			"disc.conv1.weight", "disc.conv1.bias", "disc.conv2.weight", "disc.conv2.bias", "disc.fc.weight", "disc.fc.bias"}},
		{"sagan", Config{Arch: "sagan", EMA: -1}, append(append(append(
			[]string{"gen.fc.weight", "gen.fc.bias", "gen.conv1.weight", "gen.conv1.bias", "gen.conv2.weight", "gen.conv2.bias"},
			attn("gen", false)...),
			"disc.conv1.weight", "disc.conv1.bias", "disc.conv1.weight_u", "disc.conv1.weight_v",
			"disc.conv2.weight", "disc.conv2.bias", "disc.conv2.weight_u", "disc.conv2.weight_v"),
			append(attn("disc", true), "disc.fc.weight", "disc.fc.bias", "disc.fc.weight_u", "disc.fc.weight_v")...)},
		{"two discriminators and a weight average", Config{Discriminators: 2, EMA: 0.9, GHidden: []int{8}, DHidden: []int{8}},
			[]string{"gen.fc1.weight", "gen.fc1.bias", "gen.fc2.weight", "gen.fc2.bias",
				"disc1.fc1.weight", "disc1.fc1.bias", "disc1.fc2.weight", "disc1.fc2.bias",
				"disc2.fc1.weight", "disc2.fc1.bias", "disc2.fc2.weight", "disc2.fc2.bias",
				"gen_ema.fc1.weight", "gen_ema.fc1.bias", "gen_ema.fc2.weight", "gen_ema.fc2.bias"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := New(c.cfg, 1)
			require.NoError(t, err)
			require.Equal(t, c.want, testutil.Names(m.Params()))

			// Forward passes through every network bind exactly the
			// parameters listed.
			b := graphs.NewBuilder()
			z, y := b.Input("z", 2, m.Config.Z), m.labelInput(b, "y", 2)
			fake := m.Generate(b, m.Gen, z, y)
			if m.Disc != nil {
				m.Discriminate(b, fake, y)
			}
			for _, d := range m.Discs {
				d.Forward(b, fake, nil)
			}
			if m.GenEMA != nil {
				m.Generate(b, m.GenEMA, z, y)
			}
			require.NoError(t, b.Err())
			require.ElementsMatch(t, c.want, testutil.Names(b.Bound()))
		})
	}
}
