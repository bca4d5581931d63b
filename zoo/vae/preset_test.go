package vae

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPresets(t *testing.T) {
	for _, name := range Archs {
		r, err := Preset(name)
		require.NoError(t, err, name)
		require.Equal(t, name, r.Config.Arch)
		require.Equal(t, 10, r.Epochs)
		require.NoError(t, r.Config.WithDefaults().Validate(), name)
		require.Equal(t, TrainConfig{}.WithDefaults(), r.Train.WithDefaults(), name)
	}
	mlp, err := Preset("mlp")
	require.NoError(t, err)
	require.Equal(t, Config{}.WithDefaults(), mlp.Config.WithDefaults())
	require.Equal(t, TrainConfig{Batch: 128, LR: 1e-3, Beta1: 0.9, Beta2: 0.999}, TrainConfig{}.WithDefaults())
	_, err = Preset("resnet")
	require.EqualError(t, err, `vae: no preset "resnet" (have: mlp, conv, conv-attn)`)
}

// TestZeroSettings: a negative β trains the KL-free objective (β = 0), and
// a negative Adam β1 is β1 = 0; zero stays the default for both.
func TestZeroSettings(t *testing.T) {
	for _, c := range []struct {
		beta, want float64
	}{{0, 1}, {-1, 0}, {0.5, 0.5}} {
		m, err := New(Config{Hidden: []int{8}, Z: 2, Beta: c.beta}, 1)
		require.NoError(t, err)
		s, err := NewStep(m, TrainConfig{Batch: 4, Beta1: -1}, 1)
		require.NoError(t, err)
		require.Zero(t, s.Opt.Beta1)
		require.Equal(t, 0.999, s.Opt.Beta2)
		images := make([]float32, 4*784)
		for i := range images {
			images[i] = float32(i%7) / 7
		}
		ms, err := s.Step(images, nil)
		require.NoError(t, err)
		var loss, bce, kl float64
		for _, x := range ms {
			switch x.Name {
			case "loss":
				loss = x.Value
			case "bce":
				bce = x.Value
			case "kl":
				kl = x.Value
			}
		}
		require.Positive(t, kl, "β %g", c.beta)
		require.InDelta(t, bce+c.want*kl, loss, 1e-3*loss, "β %g: the loss weighs the KL term by %g", c.beta, c.want)
	}
}

// TestConditionalRecipe: the conditional recipe has label layers and
// β = 4 for every architecture and builds; the architecture's own
// settings stay.
func TestConditionalRecipe(t *testing.T) {
	for _, arch := range Archs {
		r, err := Preset(arch)
		require.NoError(t, err)
		c := r.Conditional(10)
		require.Equal(t, Config{Arch: arch, Classes: 10, LabelLayers: true, Beta: 4}, c.Config)
		require.Equal(t, r.Train, c.Train)
		require.Equal(t, r.Epochs, c.Epochs)
		_, err = New(c.Config, 1)
		require.NoError(t, err)
	}
}
