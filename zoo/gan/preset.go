package gan

import (
	"fmt"
	"strings"
)

// Recipe is a tried way to train a GAN: an architecture, the optimiser
// settings that train it and the number of epochs they were tried for.
// cmd/train-gan starts from the recipe its -model names.
type Recipe struct {
	Config Config
	Train  TrainConfig
	Epochs int
}

// Presets names the recipes [Preset] returns: "mlp" (the default), "dcgan"
// and "sagan".
var Presets = []string{"mlp", "dcgan", "sagan"}

// Preset returns the recipe of an architecture, or an error naming the
// choices. The architectures' zero-valued Config fields take these values
// (see [Config.WithDefaults]), so Config{} is Preset("mlp").Config and
// TrainConfig{} is Preset("mlp").Train.
//
// The MLP's settings come from a search over dropout, packing and weight
// averaging for a GAN that keeps all ten digits (docs/models/gan.md): the
// textbook MLP GAN
// (no dropout, no packing, no average) collapses onto a few of them. The
// convolutional models need no packing or dropout in D, and a shorter
// weight average (0.99) because their runs are a few thousand steps, not
// 28,000; their epochs take about the MLP's training time. DCGAN learns
// twice as fast per step with Adam 5e-4 as with 2e-4 (FID 328 against 412
// after one epoch). SAGAN keeps the paper's two time scales and betas
// (0, 0.9), but the paper's rates (D 4e-4, G 1e-4) are for a million
// steps: after two epochs they reached FID 407, where D 1e-3 and G 5e-4
// reached 238 after one.
func Preset(name string) (Recipe, error) {
	r, ok := recipes[name]
	if !ok {
		return Recipe{}, fmt.Errorf("gan: no preset %q (have: %s)", name, strings.Join(Presets, ", "))
	}
	return r, nil
}

// recipes are the presets; a negative value stands for zero (none), as in
// Config and TrainConfig.
var recipes = map[string]Recipe{
	"mlp": {
		Config: Config{Arch: "mlp", DDropout: 0.3, DPack: 2, EMA: 0.999},
		Train:  TrainConfig{Batch: 64, LR: 2e-4, Beta1: 0.5, Beta2: 0.999},
		Epochs: 30,
	},
	"dcgan": {
		Config: Config{Arch: "dcgan", DDropout: -1, DPack: 1, EMA: 0.99},
		Train:  TrainConfig{Batch: 64, LR: 5e-4, Beta1: 0.5, Beta2: 0.999},
		Epochs: 5,
	},
	"sagan": {
		Config: Config{Arch: "sagan", DDropout: -1, DPack: 1, EMA: 0.99},
		Train:  TrainConfig{Batch: 64, LR: 2e-4, LRD: 1e-3, LRG: 5e-4, Beta1: -1, Beta2: 0.9},
		Epochs: 3,
	},
}
