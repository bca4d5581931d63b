package datasets_test

import (
	"fmt"

	"github.com/gorgozoo/gorgozoo/datasets"
)

// Feed a data set to training in batches: a Loader shuffles it per epoch
// from its seed and converts one batch at a time to float32 pixels.
func ExampleNewLoader() {
	set := datasets.Synthetic(100, 1) // 100 labelled 28×28 images
	loader, err := datasets.NewLoader(set, 32, 7, datasets.ScaleUnit)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, h, w := loader.ImageShape()
	fmt.Printf("%d batches of %d %dx%dx%d images per epoch\n", loader.BatchesPerEpoch(), loader.Batch(), c, h, w)

	images := make([]float32, loader.Batch()*c*h*w)
	labels := make([]int, loader.Batch())
	if err := loader.Fill(0, 0, images, labels); err != nil { // epoch 0, batch 0
		fmt.Println(err)
		return
	}
	lo, hi := images[0], images[0]
	for _, p := range images {
		lo, hi = min(lo, p), max(hi, p)
	}
	fmt.Printf("pixels in [%g, %g]\n", lo, hi)

	again := make([]int, loader.Batch())
	if err := loader.Fill(0, 0, make([]float32, len(images)), again); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("same batch again:", fmt.Sprint(again) == fmt.Sprint(labels))
	// Output:
	// 3 batches of 32 1x28x28 images per epoch
	// pixels in [0, 1]
	// same batch again: true
}

// Load MNIST: with no folder given (and $GORGOZOO_DATA unset), the files
// come from the GoMNIST module, which the go command downloads with the
// code. Subset keeps chosen digits.
func ExampleMNIST() {
	test, err := datasets.MNIST(datasets.Test, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d images %dx%d\n", test.N, test.H, test.W)
	sevens, err := test.Subset([]int{7}, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d sevens\n", sevens.N)
	// Output:
	// 10000 images 28x28
	// 1028 sevens
}
