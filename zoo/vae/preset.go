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
