package graphs

import (
	"fmt"
	"math/rand/v2"
)

// CheckLabels reports whether labels fit a model with the given number of
// classes fed n images: none for an unconditional model (classes 0), else
// one per image, each in [0, classes).
func CheckLabels(labels []int, n, classes int) error {
	switch {
	case classes == 0 && labels != nil:
		return fmt.Errorf("the model is not class-conditional; it takes no labels")
	case classes > 0 && len(labels) != n:
		return fmt.Errorf("the model is class-conditional (%d classes): it needs %d labels (one label per image), got %d labels", classes, n, len(labels))
	}
	for i, y := range labels {
		if y < 0 || y >= classes {
			return fmt.Errorf("label %d of image %d is not a class in [0, %d)", y, i, classes)
		}
	}
	return nil
}

// DrawLabels returns the labels of n images to draw from a model with the
// given number of classes: nil for an unconditional model (classes 0),
// class for every image when class ≥ 0, and classes drawn uniformly from
// rng when class is −1. A class the model does not have is an error.
func DrawLabels(n, classes, class int, rng *rand.Rand) ([]int, error) {
	if class < -1 || class >= 0 && class >= classes {
		if classes == 0 {
			return nil, fmt.Errorf("the model is not class-conditional; cannot draw class %d", class)
		}
		return nil, fmt.Errorf("class %d is not in [0, %d)", class, classes)
	}
	if n < 0 {
		return nil, fmt.Errorf("cannot draw %d images", n)
	}
	if classes == 0 {
		return nil, nil
	}
	labels := make([]int, n)
	for i := range labels {
		if class >= 0 {
			labels[i] = class
		} else {
			labels[i] = rng.IntN(classes)
		}
	}
	return labels, nil
}

// OneHot writes the one-hot codes of labels into dst, row i holding label
// i's code, and zeroes the rest of dst (the rows of a batch's unused
// tail). Every label must be in [0, classes).
func OneHot(dst []float32, labels []int, classes int) error {
	if len(dst) < len(labels)*classes {
		return fmt.Errorf("one-hot buffer holds %d values, want at least %d labels × %d classes", len(dst), len(labels), classes)
	}
	if err := CheckLabels(labels, len(labels), classes); err != nil {
		return err
	}
	clear(dst)
	for i, y := range labels {
		dst[i*classes+y] = 1
	}
	return nil
}

// CheckPixels reports the first pixel of images (pixels values per image)
// outside [lo, hi], or NaN. A model takes its pixels in one scale, and
// images in another would train without error but to nonsense (a VAE fed
// [-1, 1] reports a negative loss).
func CheckPixels(images []float32, pixels int, lo, hi float32) error {
	for i, v := range images {
		if !(v >= lo && v <= hi) {
			return fmt.Errorf("pixel %d of image %d is %v, outside the model's scale [%g, %g]", i%pixels, i/pixels, v, lo, hi)
		}
	}
	return nil
}
