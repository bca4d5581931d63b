package checkpoints_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// Save named tensors and their metadata to a safetensors file and load
// them back.
func ExampleSave() {
	dir, err := os.MkdirTemp("", "checkpoints-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "toy.safetensors")

	c := &checkpoints.Checkpoint{
		Meta: checkpoints.Meta{Kind: "toy", Step: 100, Seed: 1},
		Tensors: []checkpoints.Tensor{
			{Name: "fc.weight", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
			{Name: "fc.bias", Shape: []int{2}, Data: []float32{0.5, -0.5}},
		},
	}
	if err := checkpoints.Save(path, c); err != nil {
		fmt.Println(err)
		return
	}

	loaded, err := checkpoints.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("a %q model at step %d\n", loaded.Meta.Kind, loaded.Meta.Step)
	for _, t := range loaded.Tensors { // in name order
		fmt.Println(t.Name, t.Shape, t.Data)
	}
	// Expect checks a checkpoint against the tensors a model needs.
	if err := loaded.Expect("toy", map[string][]int{"fc.weight": {3, 2}}); err != nil {
		fmt.Println(strings.Replace(err.Error(), dir+string(filepath.Separator), "", 1)) // the temporary folder left out
	}
	// Output:
	// a "toy" model at step 100
	// fc.bias [2] [0.5 -0.5]
	// fc.weight [2 3] [1 2 3 4 5 6]
	// checkpoints: checkpoint toy.safetensors does not fit the "toy" model: tensor "fc.weight" has shape [2 3], want [3 2]
}

// Keep the last checkpoints of a run in a folder: Save names each file by
// its step and prunes the oldest.
func ExampleDir() {
	dir, err := os.MkdirTemp("", "checkpoints-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	d := checkpoints.Dir{Path: filepath.Join(dir, "checkpoints"), Keep: 2}
	for step := int64(100); step <= 400; step += 100 {
		c := &checkpoints.Checkpoint{Meta: checkpoints.Meta{Kind: "toy", Step: step},
			Tensors: []checkpoints.Tensor{{Name: "w", Shape: []int{1}, Data: []float32{float32(step)}}}}
		if _, err := d.Save(c); err != nil {
			fmt.Println(err)
			return
		}
	}
	kept, err := d.List()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, path := range kept {
		fmt.Println(filepath.Base(path))
	}
	latest, err := d.Latest()
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := checkpoints.Load(latest)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("latest step:", c.Meta.Step)
	// Output:
	// ckpt-000000300.safetensors
	// ckpt-000000400.safetensors
	// latest step: 400
}
