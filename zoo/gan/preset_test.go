package gan

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/trainer"
)

func TestPresets(t *testing.T) {
	for _, name := range Presets {
		r, err := Preset(name)
		require.NoError(t, err, name)
		require.Equal(t, name, r.Config.Arch)
		require.Positive(t, r.Epochs)
		cfg := r.Config.WithDefaults()
		require.NoError(t, cfg.Validate(), name)
		require.Equal(t, cfg, cfg.WithDefaults(), "%s: WithDefaults twice changes nothing", name)
		// An architecture's zero fields are its recipe's.
		require.Equal(t, cfg, Config{Arch: name}.WithDefaults(), name)
		tc := r.Train.WithDefaults()
		require.Equal(t, tc, tc.WithDefaults(), name)
	}
	mlp, err := Preset("mlp")
	require.NoError(t, err)
	require.Equal(t, mlp.Config.WithDefaults(), Config{}.WithDefaults(), "Config{} is the mlp recipe")
	require.Equal(t, mlp.Train.WithDefaults(), TrainConfig{}.WithDefaults(), "TrainConfig{} is the mlp recipe's training")
	require.Equal(t, Config{DDropout: 0.3, DPack: 2, EMA: 0.999}, Config{DDropout: mlp.Config.DDropout, DPack: mlp.Config.DPack, EMA: mlp.Config.EMA})

	_, err = Preset("wgan")
	require.EqualError(t, err, `gan: no preset "wgan" (have: mlp, dcgan, sagan)`)
}

// TestZeroSettings: a negative value asks for the zero its field's 0 does
// not mean: no dropout, no average, a plain ReLU in D, Adam's β1 = 0.
func TestZeroSettings(t *testing.T) {
	m, err := New(Config{DDropout: -1, DSlope: -1, EMA: -1, DPack: 1}, 1)
	require.NoError(t, err)
	d := m.Disc.(*MLPDiscriminator)
	require.Zero(t, d.Dropout.P)
	require.Zero(t, d.Slope)
	require.Equal(t, 1, d.Pack)
	require.Nil(t, m.GenEMA)

	m, err = New(Config{}, 1)
	require.NoError(t, err)
	d = m.Disc.(*MLPDiscriminator)
	require.Equal(t, 0.3, d.Dropout.P)
	require.Equal(t, 0.2, d.Slope)
	require.Equal(t, 2, d.Pack)
	require.NotNil(t, m.GenEMA)

	conv, err := New(Config{Arch: "dcgan", DDropout: -1, DSlope: -1, Z: 4, GChannels: []int{2, 2}, DChannels: []int{2, 2}}, 1)
	require.NoError(t, err)
	cd := conv.Disc.(*ConvDiscriminator)
	require.Zero(t, cd.Dropout.P)
	require.Zero(t, cd.Slope)

	s, err := NewStep(m, TrainConfig{Beta1: -1, Beta2: 0.9}, 1)
	require.NoError(t, err)
	require.Zero(t, s.OptD.Beta1)
	require.Zero(t, s.OptG.Beta1)
	require.Equal(t, 0.9, s.OptG.Beta2)
	s, err = NewStep(m, TrainConfig{Beta2: 0.9}, 1)
	require.NoError(t, err)
	require.Equal(t, 0.5, s.OptG.Beta1, "β1 0 is the default, whatever β2 is")

	for _, c := range []Config{{DDropout: 1}, {EMA: 1}} {
		_, err := New(c, 1)
		require.ErrorContains(t, err, "below 1", "%+v", c)
	}
}

// TestOldCheckpointsKeepTheirMeaning: a checkpoint written while zero
// meant none (the textbook MLP GAN: no dropout, no pack, no average, the
// zeros saved or left out) loads as that model, not as the recipe the
// zero value means now.
func TestOldCheckpointsKeepTheirMeaning(t *testing.T) {
	textbook, err := New(Config{DDropout: -1, DPack: 1, EMA: -1}, 1)
	require.NoError(t, err)
	s, err := NewStep(textbook, TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	c, err := trainer.Checkpoint(s, 0, 0, 1, nil)
	require.NoError(t, err)
	// The config as the old code wrote it.
	old := map[string]any{
		"arch": "mlp", "z": 100, "height": 28, "width": 28, "g_hidden": []int{256, 256}, "d_hidden": []int{256, 128},
		"d_slope": 0.2, "d_dropout": 0, "d_minibatch_std": false, "d_norm": "none", "loss": "bce",
	}
	c.Meta.Config, err = json.Marshal(old)
	require.NoError(t, err)
	back, err := FromCheckpoint(roundTrip(t, c))
	require.NoError(t, err)
	require.Nil(t, back.GenEMA)
	d := back.Disc.(*MLPDiscriminator)
	require.Zero(t, d.Dropout.P)
	require.Equal(t, 1, d.Pack)
	require.Equal(t, 0.2, d.Slope)
	require.Equal(t, textbook.Params().Count(), back.Params().Count())

	// A checkpoint of today's recipe comes back as the recipe.
	m, err := New(Config{}, 1)
	require.NoError(t, err)
	s, err = NewStep(m, TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	c, err = trainer.Checkpoint(s, 0, 0, 1, nil)
	require.NoError(t, err)
	back, err = FromCheckpoint(roundTrip(t, c))
	require.NoError(t, err)
	require.Equal(t, m.Config, back.Config)
}

func roundTrip(t *testing.T, c *checkpoints.Checkpoint) *checkpoints.Checkpoint {
	t.Helper()
	path := t.TempDir() + "/c.safetensors"
	require.NoError(t, checkpoints.Save(path, c))
	back, err := checkpoints.Load(path)
	require.NoError(t, err)
	return back
}
