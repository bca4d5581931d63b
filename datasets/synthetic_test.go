package datasets

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSyntheticDeterministic(t *testing.T) {
	tests := []struct {
		name      string
		n1, n2    int
		s1, s2    uint64
		wantEqual bool
	}{
		{"same seed", 50, 50, 7, 7, true},
		{"different seed", 50, 50, 7, 8, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := Synthetic(tc.n1, tc.s1), Synthetic(tc.n2, tc.s2)
			assert.Equal(t, tc.wantEqual, bytes.Equal(a.Images, b.Images), "images equal")
		})
	}
}

func TestSyntheticShape(t *testing.T) {
	tests := []struct{ n, wantN int }{{0, 0}, {-3, 0}, {1, 1}, {25, 25}}
	for _, tc := range tests {
		s := Synthetic(tc.n, 1)
		assert.Equal(t, [3]int{tc.wantN, 28, 28}, [3]int{s.N, s.H, s.W}, "Synthetic(%d): shape", tc.n)
		assert.Len(t, s.Images, tc.wantN*784, "Synthetic(%d): images", tc.n)
		assert.Len(t, s.Labels, tc.wantN, "Synthetic(%d): labels", tc.n)
		for i, l := range s.Labels {
			assert.Equal(t, i%10, int(l), "Synthetic(%d): label %d", tc.n, i)
		}
	}
}

// TestSyntheticSeparable checks the classes really are clearly different:
// a nearest-class-mean classifier fitted on one set must label a set made
// with another seed almost perfectly, and no image may be blank.
func TestSyntheticSeparable(t *testing.T) {
	train, test := Synthetic(500, 1), Synthetic(500, 2)
	const size = 28 * 28
	var mean [10][size]float64
	var count [10]int
	for i := range train.N {
		l := train.Labels[i]
		count[l]++
		for j, p := range train.Image(i) {
			mean[l][j] += float64(p)
		}
	}
	for c := range mean {
		for j := range mean[c] {
			mean[c][j] /= float64(count[c])
		}
	}
	correct := 0
	for i := range test.N {
		img := test.Image(i)
		lit := 0
		best, bestD := -1, 0.0
		for c := range mean {
			d := 0.0
			for j, p := range img {
				diff := float64(p) - mean[c][j]
				d += diff * diff
			}
			if best < 0 || d < bestD {
				best, bestD = c, d
			}
		}
		for _, p := range img {
			if p > 0 {
				lit++
			}
		}
		assert.GreaterOrEqual(t, lit, 20, "lit pixels of image %d (class %d)", i, test.Labels[i])
		if best == int(test.Labels[i]) {
			correct++
		}
	}
	assert.GreaterOrEqual(t, correct, test.N*95/100, "nearest-mean accuracy out of %d, want at least 95%%", test.N)
}
