package vae

import (
	"fmt"
	"strings"
)

// Recipe is a tried way to train a VAE: an architecture, the optimiser
// settings that train it and the number of epochs they were tried for.
// cmd/train-vae starts from the recipe its -model names.
type Recipe struct {
	Config Config
	Train  TrainConfig
	Epochs int
}

// Preset returns the recipe of an architecture in [Archs] ("mlp", the
// default, "conv" or "conv-attn"), or an error naming the choices. All
// three train as pytorch/examples trains its MLP VAE: batch 128, Adam
// 1e-3, 10 epochs, so that their test losses compare directly. Config{}
// is Preset("mlp").Config and TrainConfig{} is Preset("mlp").Train.
func Preset(name string) (Recipe, error) {
	if !isArch(name) {
		return Recipe{}, fmt.Errorf("vae: no preset %q (have: %s)", name, strings.Join(Archs, ", "))
	}
	return Recipe{Config: Config{Arch: name}, Train: defaultTraining, Epochs: 10}, nil
}

// Conditional returns r made class-conditional on classes with the
// settings that make its draws obey the label at any latent size: the
// label at every decoder layer (Config.LabelLayers) and β = 4, so that
// the encoder leaves the class out of z and the decoder takes it from the
// label (docs/models/vae.md measures them). It is cmd/train-vae's
// conditional model; Config{Classes: n} alone keeps the label beside z and
// β = 1, as conditional models made before these settings did.
func (r Recipe) Conditional(classes int) Recipe {
	r.Config.Classes = classes
	r.Config.LabelLayers = true
	r.Config.Beta = conditionalBeta
	return r
}

// conditionalBeta is the KL weight of [Recipe.Conditional].
const conditionalBeta = 4

// defaultTraining is every recipe's training: pytorch/examples' settings.
var defaultTraining = TrainConfig{Batch: 128, LR: 1e-3, Beta1: 0.9, Beta2: 0.999}

func isArch(name string) bool {
	for _, a := range Archs {
		if a == name {
			return true
		}
	}
	return false
}
