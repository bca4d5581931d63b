package datasets

import (
	"errors"
	"fmt"
)

// Set is a collection of N images of C channels × H × W pixels kept as
// bytes, image after image, each channel after channel (planar), row-major. Keeping uint8 rather than float32 makes MNIST a
// quarter the size in memory; the Loader converts one batch at a time.
type Set struct {
	Images []uint8
	// Labels holds one label per image, or is nil for unlabelled data.
	Labels  []uint8
	N, H, W int
	// C is the number of channels: 1 (grey) or 3 (red, green, blue); 0
	// means 1, as in an MNIST set.
	C int
	// Classes names the labels of a set read from class folders: label i
	// is Classes[i]. It is nil for MNIST, whose labels are the digits.
	Classes []string
	// Source says where the images came from, for logs and checkpoints.
	Source string
}

// Image returns image i as a slice of the set's storage (not a copy), so
// it is cheap enough to call in a loop.
func (s *Set) Image(i int) []uint8 {
	size := s.ImageBytes()
	return s.Images[i*size : (i+1)*size : (i+1)*size]
}

// Channels returns C, or 1 when C is 0.
func (s *Set) Channels() int {
	if s.C == 0 {
		return 1
	}
	return s.C
}

// ClassCount returns the number of classes of a labelled set: the
// number of class folders it was read from, else its largest label + 1
// (10 for MNIST). It is 0 for an unlabelled set.
func (s *Set) ClassCount() int {
	if s.Labels == nil {
		return 0
	}
	if s.Classes != nil {
		return len(s.Classes)
	}
	n := 0
	for _, y := range s.Labels {
		n = max(n, int(y)+1)
	}
	return n
}

// ImageBytes returns the bytes of one image, C×H×W.
func (s *Set) ImageBytes() int { return s.Channels() * s.H * s.W }

// validate catches sets built by hand with inconsistent fields before they
// cause an out-of-range panic deep inside a batch loop.
func (s *Set) validate() error {
	if s == nil {
		return errors.New("datasets: nil set")
	}
	if s.N < 0 || s.H < 1 || s.W < 1 || (s.C != 0 && s.C != 1 && s.C != 3) {
		return fmt.Errorf("datasets: set %q has invalid shape %dx%dx%d with %d channels", s.Source, s.N, s.H, s.W, s.C)
	}
	if len(s.Images) != s.N*s.ImageBytes() {
		return fmt.Errorf("datasets: set %q: %d images of %dx%dx%d need %d bytes but Images has %d",
			s.Source, s.N, s.Channels(), s.H, s.W, s.N*s.ImageBytes(), len(s.Images))
	}
	if s.Labels != nil && len(s.Labels) != s.N {
		return fmt.Errorf("datasets: set %q has %d images but %d labels", s.Source, s.N, len(s.Labels))
	}
	return nil
}

// LoadIDXPair reads an image file (rank 3: count×height×width) and its
// label file (rank 1). With labelsPath empty the set is unlabelled.
func LoadIDXPair(imagesPath, labelsPath string) (*Set, error) {
	img, err := ReadIDX(imagesPath)
	if err != nil {
		return nil, err
	}
	if len(img.Dims) != 3 {
		return nil, idxErr(imagesPath, "image file must have rank 3 (count x height x width), got shape %s", dimsString(img.Dims))
	}
	s := &Set{
		Images: img.Data,
		N:      img.Dims[0],
		H:      img.Dims[1],
		W:      img.Dims[2],
		Source: imagesPath,
	}
	if labelsPath == "" {
		return s, nil
	}
	lab, err := ReadIDX(labelsPath)
	if err != nil {
		return nil, err
	}
	if len(lab.Dims) != 1 {
		return nil, idxErr(labelsPath, "label file must have rank 1, got shape %s", dimsString(lab.Dims))
	}
	if lab.Dims[0] != s.N {
		return nil, fmt.Errorf("datasets: %s has %d images but %s has %d labels",
			imagesPath, s.N, labelsPath, lab.Dims[0])
	}
	s.Labels = lab.Data
	return s, nil
}

// Subset returns a copy holding only the images whose label is one of
// digits (all images when digits is empty), keeping at most limit of them
// (no limit when limit is 0), in their original order. The copy lets the
// caller drop the full set and free its memory.
func (s *Set) Subset(digits []int, limit int) (*Set, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, fmt.Errorf("datasets: subset of %q: limit %d is negative", s.Source, limit)
	}
	var keep [256]bool
	for _, d := range digits {
		if d < 0 || d > 9 {
			return nil, fmt.Errorf("datasets: subset of %q: digit %d is outside 0..9", s.Source, d)
		}
		keep[d] = true
	}
	filter := len(digits) > 0
	if filter && s.Labels == nil {
		return nil, fmt.Errorf("datasets: subset of %q: cannot select digits %v from an unlabelled set", s.Source, digits)
	}

	size := s.ImageBytes()
	out := &Set{H: s.H, W: s.W, C: s.C, Classes: s.Classes, Source: s.Source}
	if filter || limit > 0 {
		out.Source = fmt.Sprintf("%s (digits %v, limit %d)", s.Source, digits, limit)
	}
	// Count first so the copy is a single allocation of the right size.
	n := 0
	for i := 0; i < s.N && (limit == 0 || n < limit); i++ {
		if !filter || keep[s.Labels[i]] {
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("datasets: subset of %q with digits %v is empty", s.Source, digits)
	}
	out.N = n
	out.Images = make([]uint8, 0, n*size)
	if s.Labels != nil {
		out.Labels = make([]uint8, 0, n)
	}
	for i := 0; i < s.N && len(out.Images) < n*size; i++ {
		if filter && !keep[s.Labels[i]] {
			continue
		}
		out.Images = append(out.Images, s.Images[i*size:(i+1)*size]...)
		if s.Labels != nil {
			out.Labels = append(out.Labels, s.Labels[i])
		}
	}
	return out, nil
}
