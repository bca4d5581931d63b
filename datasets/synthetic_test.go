package datasets

import (
	"bytes"
	"testing"
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
			if got := bytes.Equal(a.Images, b.Images); got != tc.wantEqual {
				t.Errorf("images equal = %v, want %v", got, tc.wantEqual)
			}
		})
	}
}

func TestSyntheticShape(t *testing.T) {
	tests := []struct{ n, wantN int }{{0, 0}, {-3, 0}, {1, 1}, {25, 25}}
	for _, tc := range tests {
		s := Synthetic(tc.n, 1)
		if s.N != tc.wantN || s.H != 28 || s.W != 28 || len(s.Images) != tc.wantN*784 || len(s.Labels) != tc.wantN {
			t.Errorf("Synthetic(%d): N=%d %dx%d images=%d labels=%d", tc.n, s.N, s.H, s.W, len(s.Images), len(s.Labels))
		}
		for i, l := range s.Labels {
			if int(l) != i%10 {
				t.Errorf("Synthetic(%d): label %d = %d, want %d", tc.n, i, l, i%10)
			}
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
		if lit < 20 {
			t.Errorf("image %d (class %d) has only %d lit pixels", i, test.Labels[i], lit)
		}
		if best == int(test.Labels[i]) {
			correct++
		}
	}
	if correct < test.N*95/100 {
		t.Errorf("nearest-mean accuracy %d/%d, want at least 95%%", correct, test.N)
	}
}
