package datasets

import (
	"fmt"
	"math/rand/v2"
)

const synthSize = 28

// synthPCGStream is the second PCG word; it is fixed so that the seed
// alone decides the data, and differs from zero so that a synthetic set
// and a loader given the same seed do not share a random stream.
const synthPCGStream = 0x5eed_da7a

// synthShapes[c] says whether pixel (x, y) is lit for a class, given a jittered
// centre (cx, cy) and stroke half-width t. The ten shapes differ in where
// their ink is, so even a tiny model separates them within a few steps.
var synthShapes = [10]func(x, y, cx, cy, t int) bool{
	// 0: ring
	func(x, y, cx, cy, t int) bool {
		d := (x-cx)*(x-cx) + (y-cy)*(y-cy)
		return d >= (8-t)*(8-t) && d <= (8+t)*(8+t)
	},
	// 1: vertical bar
	func(x, y, cx, cy, t int) bool { return abs(x-cx) <= t && y >= 4 && y < 24 },
	// 2: horizontal bar
	func(x, y, cx, cy, t int) bool { return abs(y-cy) <= t && x >= 4 && x < 24 },
	// 3: diagonal, top-left to bottom-right
	func(x, y, cx, cy, t int) bool { return abs((x-cx)-(y-cy)) <= t && x >= 4 && x < 24 },
	// 4: anti-diagonal, top-right to bottom-left
	func(x, y, cx, cy, t int) bool { return abs((x-cx)+(y-cy)) <= t && x >= 4 && x < 24 },
	// 5: hollow square
	func(x, y, cx, cy, t int) bool {
		m := max(abs(x-cx), abs(y-cy))
		return m >= 8-t && m <= 8+t
	},
	// 6: filled blob in the top-left quarter
	func(x, y, cx, cy, t int) bool {
		dx, dy := x-(cx-7), y-(cy-7)
		return dx*dx+dy*dy <= 25
	},
	// 7: filled blob in the bottom-right quarter
	func(x, y, cx, cy, t int) bool {
		dx, dy := x-(cx+7), y-(cy+7)
		return dx*dx+dy*dy <= 25
	},
	// 8: plus sign
	func(x, y, cx, cy, t int) bool {
		return (abs(x-cx) <= t && abs(y-cy) <= 9) || (abs(y-cy) <= t && abs(x-cx) <= 9)
	},
	// 9: two horizontal bars, top and bottom
	func(x, y, cx, cy, t int) bool {
		return (abs(y-(cy-7)) <= t || abs(y-(cy+7)) <= t) && abs(x-cx) <= 9
	},
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// Synthetic returns n 28x28 images of ten simple, clearly different shapes
// with labels i%10 (so every class is equally common), each shape shifted,
// thickened and shaded by a little seeded jitter. Tests and demos use it
// where MNIST would be slow or unavailable; the same seed always gives the
// same set.
func Synthetic(n int, seed uint64) *Set {
	n = max(n, 0)
	rng := rand.New(rand.NewPCG(seed, synthPCGStream))
	const size = synthSize * synthSize
	s := &Set{
		Images: make([]uint8, n*size),
		Labels: make([]uint8, n),
		N:      n,
		H:      synthSize,
		W:      synthSize,
		Source: fmt.Sprintf("synthetic (n=%d, seed=%d)", n, seed),
	}
	for i := range n {
		class := i % 10
		s.Labels[i] = uint8(class)
		cx := synthSize/2 + rng.IntN(5) - 2
		cy := synthSize/2 + rng.IntN(5) - 2
		t := 1 + rng.IntN(2)
		ink := 180 + rng.IntN(76)
		shape := synthShapes[class]
		img := s.Images[i*size : (i+1)*size]
		for y := range synthSize {
			for x := range synthSize {
				if shape(x, y, cx, cy, t) {
					// Slight per-pixel shading keeps images from being
					// exact copies apart from their offset.
					img[y*synthSize+x] = uint8(ink - rng.IntN(30))
				}
			}
		}
	}
	return s
}
