package trainer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/visual"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// Train a model from Go: a VAE step, a loader over a data set, and the
// trainer's run folder with its pictures, drawn by a hook from visual.
// Here the data is the small synthetic stand-in for MNIST; for the real
// thing, load datasets.MNIST(datasets.Train, "").
func ExampleRun() {
	set := datasets.Synthetic(640, 1)
	model, err := vae.New(vae.Config{}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	step, err := vae.NewStep(model, vae.TrainConfig{Batch: 32}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The loader's pixel scale is the one the model expects: [0, 1] for a VAE.
	loader, err := datasets.NewLoader(set, step.Batch(), 1, datasets.ScaleUnit)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := os.MkdirTemp("", "trainer-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)

	var losses []float64
	res, err := trainer.Run(context.Background(), step, loader, trainer.Config{
		Epochs:   2,
		Out:      out,
		LogEvery: 10,
		Seed:     1,
		Hooks: []trainer.Hook{
			visual.TrainingPictures(out, 0),
			func(ev trainer.Event) error {
				if ev.Logged != nil {
					losses = append(losses, ev.Logged[0].Value) // the mean loss over the last 10 steps
				}
				return nil
			},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d steps, %.0f epochs\n", res.Steps, res.Epochs)
	fmt.Println("loss fell:", losses[len(losses)-1] < losses[0])
	fmt.Println("checkpoint:", filepath.Base(res.Checkpoint))
	pictures, _ := filepath.Glob(filepath.Join(out, "*.png"))
	for _, p := range pictures {
		fmt.Println("picture:", filepath.Base(p))
	}
	// Output:
	// 40 steps, 2 epochs
	// loss fell: true
	// checkpoint: ckpt-000000040.safetensors
	// picture: loss.png
	// picture: reconstructions.png
	// picture: samples.png
}
