package datasets

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writePair writes n images of h×w whose first pixel is the image index,
// with the given labels, and returns the two paths.
func writePair(t testing.TB, dir, prefix string, h, w int, labels []byte) (string, string) {
	t.Helper()
	n := len(labels)
	img := make([]byte, n*h*w)
	for i := range n {
		img[i*h*w] = byte(i)
	}
	ip := filepath.Join(dir, prefix+"-images-idx3-ubyte")
	lp := filepath.Join(dir, prefix+"-labels-idx1-ubyte")
	if err := WriteIDX(ip, &IDX{Dims: []int{n, h, w}, Data: img}); err != nil {
		t.Fatal(err)
	}
	if err := WriteIDX(lp, &IDX{Dims: []int{n}, Data: labels}); err != nil {
		t.Fatal(err)
	}
	return ip, lp
}

func TestLoadIDXPair(t *testing.T) {
	dir := t.TempDir()
	labels := []byte{3, 1, 4, 1, 5}
	ip, lp := writePair(t, dir, "ok", 4, 3, labels)

	s, err := LoadIDXPair(ip, lp)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 5 || s.H != 4 || s.W != 3 {
		t.Errorf("shape = %dx%dx%d, want 5x4x3", s.N, s.H, s.W)
	}
	if !bytes.Equal(s.Labels, labels) {
		t.Errorf("labels = %v, want %v", s.Labels, labels)
	}
	if s.Image(2)[0] != 2 || len(s.Image(2)) != 12 {
		t.Errorf("Image(2) = %v, want 12 bytes starting with 2", s.Image(2))
	}

	unl, err := LoadIDXPair(ip, "")
	if err != nil {
		t.Fatal(err)
	}
	if unl.Labels != nil || unl.N != 5 {
		t.Errorf("unlabelled load: N=%d labels=%v, want N=5 and nil labels", unl.N, unl.Labels)
	}
}

func TestLoadIDXPairErrors(t *testing.T) {
	dir := t.TempDir()
	ip, _ := writePair(t, dir, "five", 2, 2, make([]byte, 5))
	_, lp3 := writePair(t, dir, "three", 2, 2, make([]byte, 3))
	rank2 := filepath.Join(dir, "rank2")
	if err := WriteIDX(rank2, &IDX{Dims: []int{5, 4}, Data: make([]byte, 20)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		images, labels string
		want           []string
	}{
		{"count mismatch", ip, lp3, []string{ip, lp3, "5 images", "3 labels"}},
		{"images rank 2", rank2, "", []string{rank2, "rank 3", "5x4"}},
		{"labels rank 2", ip, rank2, []string{rank2, "rank 1", "5x4"}},
		{"missing labels file", ip, filepath.Join(dir, "nope"), []string{"nope"}},
		{"missing images file", filepath.Join(dir, "gone"), lp3, []string{"gone"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadIDXPair(tc.images, tc.labels)
			if err == nil {
				t.Fatal("LoadIDXPair succeeded, want error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestSubset(t *testing.T) {
	// Pixel 0 of image i is i, so the kept indices can be read back.
	labels := []uint8{0, 1, 2, 3, 1, 1, 9, 0, 2, 1}
	base := &Set{N: len(labels), H: 2, W: 2, Labels: labels, Images: make([]uint8, 4*len(labels)), Source: "t"}
	for i := range base.N {
		base.Images[i*4] = uint8(i)
	}
	tests := []struct {
		name   string
		digits []int
		limit  int
		want   []int // kept indices
	}{
		{"all", nil, 0, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"all empty slice", []int{}, 0, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"limit only", nil, 3, []int{0, 1, 2}},
		{"limit above N", nil, 50, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"one digit", []int{1}, 0, []int{1, 4, 5, 9}},
		{"one digit limited", []int{1}, 2, []int{1, 4}},
		{"two digits keep order", []int{2, 0}, 0, []int{0, 2, 7, 8}},
		{"duplicate digits", []int{9, 9}, 0, []int{6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := base.Subset(tc.digits, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if s.N != len(tc.want) || len(s.Labels) != s.N || len(s.Images) != s.N*4 {
				t.Fatalf("N=%d labels=%d images=%d, want N=%d", s.N, len(s.Labels), len(s.Images), len(tc.want))
			}
			var got []int
			for i := range s.N {
				idx := int(s.Images[i*4])
				got = append(got, idx)
				if s.Labels[i] != labels[idx] {
					t.Errorf("label of kept image %d = %d, want %d", idx, s.Labels[i], labels[idx])
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("kept %v, want %v", got, tc.want)
			}
			// The subset must not alias the original.
			s.Images[0] = 200
			if base.Images[0] == 200 {
				t.Error("subset shares Images with the original set")
			}
			base.Images[0] = 0
		})
	}
}

func TestSubsetErrors(t *testing.T) {
	labelled := Synthetic(20, 1)
	unlabelled := &Set{N: 2, H: 1, W: 1, Images: []uint8{1, 2}, Source: "u"}
	onlyOnes := &Set{N: 2, H: 1, W: 1, Images: []uint8{1, 2}, Labels: []uint8{1, 1}, Source: "ones"}
	tests := []struct {
		name   string
		set    *Set
		digits []int
		limit  int
		want   string
	}{
		{"digit too big", labelled, []int{3, 10}, 0, "digit 10"},
		{"digit negative", labelled, []int{-1}, 0, "digit -1"},
		{"negative limit", labelled, nil, -1, "limit -1"},
		{"empty result", onlyOnes, []int{7}, 0, "empty"},
		{"digits on unlabelled", unlabelled, []int{1}, 0, "unlabelled"},
		{"inconsistent set", &Set{N: 3, H: 1, W: 1, Images: []uint8{1}}, nil, 0, "need 3 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.set.Subset(tc.digits, tc.limit)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
