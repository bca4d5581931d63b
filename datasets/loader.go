package datasets

import (
	"fmt"
	"math/rand/v2"
)

// Scale chooses how Loader maps pixel bytes to float32.
type Scale int

const (
	// ScaleSigned maps pixels to [-1, 1] (p/127.5 - 1), matching a tanh
	// generator output.
	ScaleSigned Scale = iota
	// ScaleUnit maps pixels to [0, 1] (p/255), matching a sigmoid output.
	ScaleUnit
)

func (s Scale) String() string {
	switch s {
	case ScaleSigned:
		return "signed"
	case ScaleUnit:
		return "unit"
	}
	return fmt.Sprintf("Scale(%d)", int(s))
}

// Loader cuts a Set into fixed-size batches in a seeded random order.
//
// The order of epoch e depends only on (seed, e), so training resumed from
// a checkpoint at (epoch, index) sees exactly the batches an uninterrupted
// run would have. Fill writes into buffers the caller owns, so a training
// loop allocates nothing per batch. A Loader is not safe for concurrent
// use, because it caches the current epoch's order.
type Loader struct {
	set   *Set
	batch int
	seed  uint64
	scale Scale
	lut   [256]float32

	// perm is the order of permEpoch; -1 means not computed yet. The PCG
	// and Rand are kept so a new epoch reseeds them instead of allocating.
	perm      []int
	permEpoch int
	pcg       rand.PCG
	rng       *rand.Rand
}

// NewLoader returns a Loader over set with the given batch size. The set
// must not be modified while the Loader is in use.
func NewLoader(set *Set, batch int, seed uint64, scale Scale) (*Loader, error) {
	if err := set.validate(); err != nil {
		return nil, err
	}
	if scale != ScaleSigned && scale != ScaleUnit {
		return nil, fmt.Errorf("datasets: unknown pixel scale %d", int(scale))
	}
	if batch < 1 || batch > set.N {
		return nil, fmt.Errorf("datasets: batch size %d is invalid for %q with %d images: want 1 to %d",
			batch, set.Source, set.N, set.N)
	}
	l := &Loader{
		set:       set,
		batch:     batch,
		seed:      seed,
		scale:     scale,
		perm:      make([]int, set.N),
		permEpoch: -1,
	}
	l.rng = rand.New(&l.pcg)
	// A table makes conversion one load per pixel and guarantees every
	// batch maps the same byte to the very same float.
	for p := range l.lut {
		if scale == ScaleSigned {
			l.lut[p] = float32(p)/127.5 - 1
		} else {
			l.lut[p] = float32(p) / 255
		}
	}
	return l, nil
}

// BatchesPerEpoch is N/batch: the last partial batch is dropped so every
// batch has the same shape.
func (l *Loader) BatchesPerEpoch() int { return l.set.N / l.batch }

// Labelled reports whether the set has labels for Fill to write.
func (l *Loader) Labelled() bool { return l.set.Labels != nil }

// Batch returns the batch size.
func (l *Loader) Batch() int { return l.batch }

// ImageShape returns the channels, height and width of every image; a
// batch holds Batch()·C·H·W values.
func (l *Loader) ImageShape() (c, h, w int) { return l.set.Channels(), l.set.H, l.set.W }

// Fill writes batch index of epoch (both 0-based) into images, which must
// have length Batch()*C*H*W (images one after another, see Set), and into
// labels, which must be nil or have length Batch().
func (l *Loader) Fill(epoch, index int, images []float32, labels []int) error {
	size := l.set.ImageBytes()
	if epoch < 0 {
		return fmt.Errorf("datasets: epoch %d is negative", epoch)
	}
	if index < 0 || index >= l.BatchesPerEpoch() {
		return fmt.Errorf("datasets: batch index %d out of range: an epoch has %d batches", index, l.BatchesPerEpoch())
	}
	if len(images) != l.batch*size {
		return fmt.Errorf("datasets: images buffer has length %d, want %d (batch %d x %dx%dx%d)",
			len(images), l.batch*size, l.batch, l.set.Channels(), l.set.H, l.set.W)
	}
	if labels != nil {
		if len(labels) != l.batch {
			return fmt.Errorf("datasets: labels buffer has length %d, want batch size %d", len(labels), l.batch)
		}
		if l.set.Labels == nil {
			return fmt.Errorf("datasets: labels requested but %q is unlabelled", l.set.Source)
		}
	}
	if epoch != l.permEpoch {
		l.shuffle(epoch)
	}
	for k, idx := range l.perm[index*l.batch : (index+1)*l.batch] {
		src := l.set.Images[idx*size : (idx+1)*size]
		dst := images[k*size : (k+1)*size]
		for j, p := range src {
			dst[j] = l.lut[p]
		}
		if labels != nil {
			labels[k] = int(l.set.Labels[idx])
		}
	}
	return nil
}

// shuffle computes epoch's order from scratch, never from the previous
// epoch's, which is what makes it a pure function of (seed, epoch).
func (l *Loader) shuffle(epoch int) {
	l.pcg.Seed(l.seed, uint64(epoch))
	for i := range l.perm {
		l.perm[i] = i
	}
	for i := len(l.perm) - 1; i > 0; i-- {
		j := l.rng.IntN(i + 1)
		l.perm[i], l.perm[j] = l.perm[j], l.perm[i]
	}
	l.permEpoch = epoch
}
