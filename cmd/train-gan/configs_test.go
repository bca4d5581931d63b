package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// TestDefaultRecipe: with no flags the command trains what it trained
// before the recipes moved into the library, and that is Preset("mlp").
func TestDefaultRecipe(t *testing.T) {
	o, err := parse(nil, io.Discard)
	require.NoError(t, err)
	cfg, tc := configs(o, 1, 28, 28)
	before := gan.Config{Arch: "mlp", Z: 100, DDropout: 0.3, DPack: 2, EMA: 0.999, Discriminators: 1, Height: 28, Width: 28}
	require.Equal(t, before.WithDefaults(), cfg.WithDefaults())
	require.Equal(t, gan.TrainConfig{Batch: 64, LR: 2e-4, LRD: 2e-4, LRG: 2e-4, Beta1: 0.5, Beta2: 0.999, PreviewSeed: 1}, tc.WithDefaults())
	require.Equal(t, 30, o.Epochs)

	r, err := gan.Preset("mlp")
	require.NoError(t, err)
	r.Train.PreviewSeed = 1
	require.Equal(t, r.Config.WithDefaults(), gan.Config{Arch: cfg.Arch, Z: cfg.Z, DDropout: cfg.DDropout, DPack: cfg.DPack, EMA: cfg.EMA, DSlope: cfg.DSlope}.WithDefaults())
	require.Equal(t, r.Train.WithDefaults(), tc.WithDefaults())
}

// TestModelRecipes: -model starts from its recipe, and flags given on the
// command line override it.
func TestModelRecipes(t *testing.T) {
	for _, name := range gan.Presets {
		o, err := parse([]string{"-model", name}, io.Discard)
		require.NoError(t, err)
		r, err := gan.Preset(name)
		require.NoError(t, err)
		cfg, tc := configs(o, 1, 28, 28)
		want := r.Config.WithDefaults()
		got := cfg.WithDefaults()
		require.Equal(t, []float64{want.DDropout, want.EMA, want.DSlope}, []float64{got.DDropout, got.EMA, got.DSlope}, name)
		require.Equal(t, want.DPack, got.DPack, name)
		r.Train.PreviewSeed = 1
		require.Equal(t, r.Train.WithDefaults(), tc.WithDefaults(), name)
		require.Equal(t, r.Epochs, o.Epochs, name)
	}
	o, err := parse([]string{"-model", "sagan", "-lr-d", "3e-4", "-epochs", "7"}, io.Discard)
	require.NoError(t, err)
	_, tc := configs(o, 1, 28, 28)
	require.Equal(t, 3e-4, tc.LRD)
	require.Equal(t, 5e-4, tc.LRG)
	require.Equal(t, 7, o.Epochs)
}

// TestZeroFlags: a flag's 0 is a setting, and the model and optimiser
// built from the flags have it: no dropout, no average, a ReLU in D, and
// Adam's β1 = 0.
func TestZeroFlags(t *testing.T) {
	o, err := parse([]string{"-d-dropout", "0", "-ema", "0", "-d-slope", "0", "-beta1", "0", "-d-pack", "1"}, io.Discard)
	require.NoError(t, err)
	cfg, tc := configs(o, 1, 28, 28)
	m, err := gan.New(cfg, 1)
	require.NoError(t, err)
	d := m.Disc.(*gan.MLPDiscriminator)
	require.Zero(t, d.Dropout.P)
	require.Zero(t, d.Slope)
	require.Nil(t, m.GenEMA)
	s, err := gan.NewStep(m, tc, 1)
	require.NoError(t, err)
	require.Zero(t, s.OptD.Beta1)
	require.Zero(t, s.OptG.Beta1)
	require.Equal(t, 0.999, s.OptG.Beta2)
}

func TestFlagRanges(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-lr-d", "-1e-13"}, "-lr-d must be in [0, 1] (got -1e-13)"},
		{[]string{"-lr-g", "-1e-13"}, "-lr-g must be in [0, 1] (got -1e-13)"},
		{[]string{"-beta1", "-1e-13"}, "-beta1 must be in [0, 0.999999] (got -1e-13)"},
		{[]string{"-d-slope", "-0.1"}, "-d-slope must be in [0, 1] (got -0.1)"},
		{[]string{"-model", "wgan"}, `-model must be one of mlp, dcgan, sagan (got "wgan")`},
	} {
		_, err := parse(c.args, io.Discard)
		require.EqualError(t, err, c.want, "%v", c.args)
	}
	for _, args := range [][]string{{"-lr-d", "0"}, {"-lr-g", "0"}, {"-beta1", "0"}, {"-d-slope", "0"}} {
		_, err := parse(args, io.Discard)
		require.NoError(t, err, "%v", args)
	}
}
