package classifier

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
)

// TestParamOrder pins the names and the order of the network's
// parameters: checkpoints store them by name and the optimiser's state
// follows their order, so neither may change.
func TestParamOrder(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"default", Config{}, []string{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}},
		{"three blocks", Config{Channels: []int{4, 4, 4}, Height: 40, Width: 40}, []string{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
			"conv3.weight", "conv3.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}},
		{"colour", Config{ImageChannels: 3, Height: 32, Width: 32}, []string{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := New(c.cfg, 1)
			require.NoError(t, err)
			got := testutil.Names(m.Params())
			require.Equal(t, c.want, got)

			// A forward pass binds exactly the parameters listed.
			b := graphs.NewBuilder()
			m.Forward(b, b.Input("x", 2, m.Config.Pixels()))
			require.NoError(t, b.Err())
			bound := testutil.Names(b.Bound())
			require.ElementsMatch(t, c.want, bound)
		})
	}
}
