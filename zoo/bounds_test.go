package zoo_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/zoo"
	"github.com/gorgozoo/gorgozoo/zoo/classifier"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// craftedCases are checkpoints whose metadata asks for models no machine
// can hold, or for sizes that cannot be: each must be refused with a
// one-line error before the model is allocated.
var craftedCases = []struct {
	name, kind, config, want string
}{
	{"gan hidden 1e9", gan.Kind, `{"g_hidden":[1000000000]}`, "gan: the model needs"},
	{"gan d hidden 1e9", gan.Kind, `{"d_hidden":[1000000000, 1000000000]}`, "gan: the model needs"},
	{"gan z max", gan.Kind, `{"z":9223372036854775807}`, "gan: the model needs"},
	{"gan z negative", gan.Kind, `{"z":-5}`, "must be positive"},
	{"gan z beyond int64", gan.Kind, `{"z":1e30}`, "cannot unmarshal"},
	{"gan image 1e6", gan.Kind, `{"height":1000000,"width":1000000}`, "gan: the model needs"},
	{"gan image negative", gan.Kind, `{"height":-28}`, "must be positive"},
	{"gan classes 1e9", gan.Kind, `{"classes":1000000000}`, "gan: the model needs"},
	{"gan classes negative", gan.Kind, `{"classes":-1}`, "must not be negative"},
	{"gan d pack 1e9", gan.Kind, `{"d_pack":1000000000}`, "gan: the model needs"},
	{"gan d pack negative", gan.Kind, `{"d_pack":-2}`, "must not be negative"},
	{"gan discriminators 1e6", gan.Kind, `{"discriminators":1000000}`, "at most 64 discriminators"},
	{"gan dcgan channels 4096", gan.Kind, `{"arch":"dcgan","g_channels":[4096,4096]}`, "gan: the model needs"},
	{"gan dcgan channels max", gan.Kind, `{"arch":"dcgan","d_channels":[9223372036854775807,9223372036854775807]}`, "gan: the model needs"},
	{"gan dcgan three stages on 28x28", gan.Kind, `{"arch":"dcgan","g_channels":[1,2,3]}`, "needs image sides divisible by 8, got 28x28"},
	{"gan dcgan stages differ", gan.Kind, `{"arch":"dcgan","g_channels":[1,2,3],"d_channels":[1,2]}`, "one channel count per stage for G and as many for D"},
	{"gan dcgan 17 stages", gan.Kind, `{"arch":"dcgan","height":131072,"width":131072,"g_channels":[` + repeat("1,", 16) + `1]}`, "at most 16 stages"},
	{"gan sagan image 2048", gan.Kind, `{"arch":"sagan","height":2048,"width":2048}`, "gan: the model needs"},
	{"gan 100 layers", gan.Kind, `{"g_hidden":[` + repeat("1,", 99) + `1]}`, "at most 64 hidden layers"},
	{"gan unknown arch", gan.Kind, `{"arch":"../../x"}`, "unknown architecture"},
	{"vae hidden 65536 x3", vae.Kind, `{"hidden":[65536,65536,65536]}`, "vae: the model needs"},
	{"vae z max", vae.Kind, `{"z":9223372036854775807}`, "vae: the model needs"},
	{"vae z negative", vae.Kind, `{"z":-1}`, "must be positive"},
	{"vae classes 1e9", vae.Kind, `{"classes":1000000000}`, "classes must be from 0"},
	{"vae image max", vae.Kind, `{"height":9223372036854775807,"width":9223372036854775807}`, "vae: the model needs"},
	{"vae conv channels max", vae.Kind, `{"arch":"conv","channels":[9223372036854775807]}`, "vae: the model needs"},
	{"vae conv-attn image 4096", vae.Kind, `{"arch":"conv-attn","height":4096,"width":4096}`, "vae: the model needs"},
	{"vae conv 20 stages", vae.Kind, `{"arch":"conv","channels":[` + repeat("1,", 19) + `1]}`, "1 to 8 channel counts"},
	{"diffusion T 1e9", diffusion.Kind, `{"t":1000000000}`, "T must be from 1 to"},
	{"diffusion classes 1e9", diffusion.Kind, `{"unet":{"classes":1000000000}}`, "classes must be from 0"},
	{"diffusion image 1e6", diffusion.Kind, `{"unet":{"height":1048576,"width":1048576}}`, "diffusion: the model needs"},
	{"classifier classes 1e9", classifier.Kind, `{"classes":1000000000}`, "classifier: the model needs"},
	{"classifier hidden max", classifier.Kind, `{"hidden":9223372036854775807}`, "classifier: the model needs"},
	{"classifier channels 1e6", classifier.Kind, `{"channels":[1000000,1000000]}`, "classifier: the model needs"},
	{"classifier kernel max", classifier.Kind, `{"kernel":9223372036854775807,"channels":[1,1,1]}`, "too small"},
	{"classifier image negative", classifier.Kind, `{"height":-1}`, "must be positive"},
}

func repeat(s string, n int) string { return string(bytes.Repeat([]byte(s), n)) }

// load opens path with the loader of kind: zoo.Load for the models it
// draws from, classifier.Load for a classifier.
func load(kind, path string) error {
	if kind == classifier.Kind {
		_, err := classifier.Load(path)
		return err
	}
	_, err := zoo.Load(path)
	return err
}

// TestCraftedCheckpointConfigs: every loader refuses a checkpoint whose
// configuration is absurd, in a few megabytes; the model packages'
// FromCheckpoint (-resume) share the check with zoo.Load.
func TestCraftedCheckpointConfigs(t *testing.T) {
	for _, c := range craftedCases {
		t.Run(c.name, func(t *testing.T) {
			path := testutil.CraftedCheckpoint(t, c.kind, c.config)
			var err error
			alloc := testutil.Allocated(func() { err = load(c.kind, path) })
			require.ErrorContains(t, err, c.want)
			t.Log(err)
			require.NotContains(t, err.Error(), "\n")
			require.Less(t, alloc, uint64(32<<20), "refused only after allocating")
		})
	}
}

// TestLoadWithinRaisesTheLimit: a model refused under a limit loads under
// a larger one.
func TestLoadWithinRaisesTheLimit(t *testing.T) {
	m, err := gan.New(gan.Config{GHidden: []int{64}, DHidden: []int{64}}, 1)
	require.NoError(t, err)
	s, err := gan.NewStep(m, gan.TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	c, err := trainer.Checkpoint(s, 1, 1, 1, nil)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "small.safetensors")
	require.NoError(t, checkpoints.Save(path, c))

	_, err = zoo.LoadWithin(path, 1<<20)
	require.ErrorIs(t, err, graphs.ErrMemoryLimit)
	require.ErrorContains(t, err, "more than the limit of 1 MiB")
	_, err = zoo.LoadWithin(path, 64<<20)
	require.NoError(t, err)
}

// TestNaNWeightsRefused: every loader refuses a checkpoint holding a NaN
// parameter, naming the tensor, and so does resuming.
func TestNaNWeightsRefused(t *testing.T) {
	g, err := gan.New(gan.Config{GHidden: []int{8}, DHidden: []int{8}, Z: 2}, 1)
	require.NoError(t, err)
	gs, err := gan.NewStep(g, gan.TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	gc, err := trainer.Checkpoint(gs, 1, 1, 1, nil)
	require.NoError(t, err)
	ganPath := testutil.SaveWithNaN(t, gc)

	v, err := vae.New(vae.Config{Hidden: []int{8}, Z: 2}, 1)
	require.NoError(t, err)
	vs, err := vae.NewStep(v, vae.TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	vc, err := trainer.Checkpoint(vs, 1, 1, 1, nil)
	require.NoError(t, err)
	vaePath := testutil.SaveWithNaN(t, vc)

	clf, err := classifier.New(classifier.Config{}, 1)
	require.NoError(t, err)
	cc, err := classifier.Weights(clf, checkpoints.Meta{})
	require.NoError(t, err)
	clfPath := testutil.SaveWithNaN(t, cc)

	for name, open := range map[string]func() error{
		"zoo.Load gan":      func() error { _, err := zoo.Load(ganPath); return err },
		"gan.LoadGenerator": func() error { _, err := gan.LoadGenerator(ganPath); return err },
		"zoo.Load vae":      func() error { _, err := zoo.Load(vaePath); return err },
		"vae.Load":          func() error { _, err := vae.Load(vaePath); return err },
		"classifier.Load":   func() error { _, err := classifier.Load(clfPath); return err },
		"trainer.Resume gan": func() error {
			c, err := checkpoints.Load(ganPath)
			require.NoError(t, err)
			_, err = trainer.Resume(c, gs)
			return err
		},
	} {
		err := open()
		require.ErrorContains(t, err, "holds NaN at index 0; a model with non-finite parameters is refused", name)
		t.Log(name, err)
	}
}

// TestNegativeStepRefused: resuming from a checkpoint whose step is
// negative is an error that says so.
func TestNegativeStepRefused(t *testing.T) {
	g, err := gan.New(gan.Config{GHidden: []int{8}, DHidden: []int{8}, Z: 2}, 1)
	require.NoError(t, err)
	gs, err := gan.NewStep(g, gan.TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	c, err := trainer.Checkpoint(gs, -5, 1, 1, nil)
	require.NoError(t, err)
	_, err = trainer.Resume(c, gs)
	require.ErrorContains(t, err, "the checkpoint's step -5 is negative")
}
