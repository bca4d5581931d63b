package diffusion

// Recipe is a tried way to train a diffusion model: a configuration, the
// optimiser settings that train it and the number of epochs they were tried
// for. cmd/train-diffusion starts from [Preset].
type Recipe struct {
	Config Config
	Train  TrainConfig
	Epochs int
}

// Preset returns the recipe for MNIST on two cores: the zero Config (the
// linear schedule with T = 1000, the default U-Net, an average of decay
// 0.999) and the zero TrainConfig (batch 128, Adam 1e-3), for 4 epochs.
//
// Four epochs keep cmd/train-diffusion, its closing measurement included,
// within half an hour on two cores. Adam's rate was chosen among 5e-4,
// 1e-3 and 2e-3 by the FID after 400 steps (docs/models/diffusion.md).
func Preset() Recipe {
	return Recipe{Config: Config{}.WithDefaults(), Train: defaultTraining, Epochs: 4}
}
