package datasets

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, WriteIDX(ip, &IDX{Dims: []int{n, h, w}, Data: img}))
	require.NoError(t, WriteIDX(lp, &IDX{Dims: []int{n}, Data: labels}))
	return ip, lp
}

func TestLoadIDXPair(t *testing.T) {
	dir := t.TempDir()
	labels := []byte{3, 1, 4, 1, 5}
	ip, lp := writePair(t, dir, "ok", 4, 3, labels)

	s, err := LoadIDXPair(ip, lp)
	require.NoError(t, err)
	assert.Equal(t, [3]int{5, 4, 3}, [3]int{s.N, s.H, s.W}, "shape")
	assert.Equal(t, labels, s.Labels, "labels")
	if assert.Len(t, s.Image(2), 12, "Image(2)") {
		assert.Equal(t, uint8(2), s.Image(2)[0], "first pixel of Image(2)")
	}

	unl, err := LoadIDXPair(ip, "")
	require.NoError(t, err)
	assert.Nil(t, unl.Labels, "labels of an unlabelled load")
	assert.Equal(t, 5, unl.N, "N of an unlabelled load")
}

func TestLoadIDXPairErrors(t *testing.T) {
	dir := t.TempDir()
	ip, _ := writePair(t, dir, "five", 2, 2, make([]byte, 5))
	_, lp3 := writePair(t, dir, "three", 2, 2, make([]byte, 3))
	rank2 := filepath.Join(dir, "rank2")
	require.NoError(t, WriteIDX(rank2, &IDX{Dims: []int{5, 4}, Data: make([]byte, 20)}))
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
			require.Error(t, err, "LoadIDXPair")
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w)
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
			require.NoError(t, err)
			require.Equal(t, len(tc.want), s.N, "N")
			require.Len(t, s.Labels, s.N, "labels")
			require.Len(t, s.Images, s.N*4, "images")
			var got []int
			for i := range s.N {
				idx := int(s.Images[i*4])
				got = append(got, idx)
				assert.Equal(t, labels[idx], s.Labels[i], "label of kept image %d", idx)
			}
			assert.Equal(t, tc.want, got, "kept images")
			// The subset must not alias the original.
			s.Images[0] = 200
			assert.NotEqual(t, uint8(200), base.Images[0], "subset shares Images with the original set")
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
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestClassCount(t *testing.T) {
	for _, c := range []struct {
		name string
		set  Set
		want int
	}{
		{"unlabelled", Set{}, 0},
		{"unlabelled with class names", Set{Classes: []string{"a", "b"}}, 0},
		{"class folders", Set{Labels: []uint8{0, 0}, Classes: []string{"a", "b", "c"}}, 3},
		{"IDX labels", Set{Labels: []uint8{3, 9, 0}}, 10},
		{"IDX labels from 1", Set{Labels: []uint8{1, 26}}, 27},
	} {
		if got := c.set.ClassCount(); got != c.want {
			t.Errorf("%s: ClassCount() = %d, want %d", c.name, got, c.want)
		}
	}
}
