package main

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// TestDefaultRecipe: with no flags the command trains what it trained
// before the recipes moved into the library, and that is Preset("mlp").
func TestDefaultRecipe(t *testing.T) {
	o, err := parse(nil, io.Discard)
	require.NoError(t, err)
	cfg, tc := configs(o, 1, 28, 28)
	before := vae.Config{Arch: "mlp", Z: 20, Hidden: []int{400}, Height: 28, Width: 28, Beta: 1}
	require.Equal(t, before.WithDefaults(), cfg.WithDefaults())
	require.Equal(t, vae.TrainConfig{Batch: 128, LR: 1e-3, Beta1: 0.9, Beta2: 0.999, PreviewSeed: 1}, tc.WithDefaults())
	require.Equal(t, 10, o.Epochs)
	require.Equal(t, []int{100}, o.IWAEK)
	require.Zero(t, o.IWAEN)
	r, err := vae.Preset("mlp")
	require.NoError(t, err)
	require.Equal(t, r.Config.WithDefaults(), cfg.WithDefaults())
}

// TestBetaZero: -beta 0 trains the KL-free objective: the built config
// has β = 0 (spelled -1), which the step weighs the KL term with.
func TestBetaZero(t *testing.T) {
	o, err := parse([]string{"-beta", "0"}, io.Discard)
	require.NoError(t, err)
	cfg, tc := configs(o, 1, 28, 28)
	require.Equal(t, -1.0, cfg.Beta)
	m, err := vae.New(cfg, 1)
	require.NoError(t, err)
	s, err := vae.NewStep(m, tc, 1)
	require.NoError(t, err)
	images := make([]float32, tc.Batch*784)
	for i := range images {
		images[i] = float32(i%5) / 5
	}
	ms, err := s.Step(images, nil)
	require.NoError(t, err)
	got := map[string]float64{}
	for _, x := range ms {
		got[x.Name] = x.Value
	}
	require.Positive(t, got["kl"])
	require.InDelta(t, got["bce"], got["loss"], 1e-6*got["loss"], "β = 0: the loss is the BCE alone")

	o, err = parse([]string{"-beta", "2"}, io.Discard)
	require.NoError(t, err)
	cfg, _ = configs(o, 1, 28, 28)
	require.Equal(t, 2.0, cfg.Beta)
}

// TestHelpFlags: -h shows this command's flags and an example of its own
// parameter names for -freeze.
func TestHelpFlags(t *testing.T) {
	var help strings.Builder
	_, err := parse([]string{"-h"}, &help)
	require.ErrorIs(t, err, flag.ErrHelp)
	require.Contains(t, help.String(), "e.g. enc.fc1,enc.fc_mu")
	require.NotContains(t, help.String(), "gen.")
	for _, f := range []string{"-o", "-ckpt", "-iwae-k", "-iwae-n", "-beta"} {
		require.Contains(t, help.String(), "\n  "+f+" ")
	}
	require.NotContains(t, help.String(), "\n  -eval ")
	require.NotContains(t, help.String(), "\n  -out ")
}
