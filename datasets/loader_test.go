package datasets

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// indexedSet returns n 2x2 images whose pixels 0 and 1 encode the image
// index (low and high byte) and whose label is index%10, so a batch can be
// decoded back to the images it holds.
func indexedSet(n int) *Set {
	s := &Set{N: n, H: 2, W: 2, Images: make([]uint8, 4*n), Labels: make([]uint8, n), Source: "indexed"}
	for i := range n {
		s.Images[4*i] = uint8(i)
		s.Images[4*i+1] = uint8(i >> 8)
		s.Images[4*i+2] = 255
		s.Labels[i] = uint8(i % 10)
	}
	return s
}

// batchIndices decodes a ScaleUnit batch back into image indices.
func batchIndices(t testing.TB, images []float32, batch int) []int {
	t.Helper()
	out := make([]int, batch)
	for k := range batch {
		lo := int(math.Round(float64(images[4*k] * 255)))
		hi := int(math.Round(float64(images[4*k+1] * 255)))
		out[k] = lo + hi<<8
	}
	return out
}

// epochOrder returns the image indices of one epoch, batch after batch.
func epochOrder(t testing.TB, l *Loader, epoch int) []int {
	t.Helper()
	images := make([]float32, l.Batch()*4)
	labels := make([]int, l.Batch())
	var order []int
	for b := range l.BatchesPerEpoch() {
		require.NoError(t, l.Fill(epoch, b, images, labels))
		idx := batchIndices(t, images, l.Batch())
		for k, i := range idx {
			require.Equal(t, i%10, labels[k], "epoch %d batch %d: label for image %d", epoch, b, i)
		}
		order = append(order, idx...)
	}
	return order
}

func newLoader(t testing.TB, set *Set, batch int, seed uint64, scale Scale) *Loader {
	t.Helper()
	l, err := NewLoader(set, batch, seed, scale)
	require.NoError(t, err)
	return l
}

func TestLoaderOrder(t *testing.T) {
	set := indexedSet(300)
	base := epochOrder(t, newLoader(t, set, 32, 42, ScaleUnit), 0)
	tests := []struct {
		name      string
		seed      uint64
		epoch     int
		wantEqual bool
	}{
		{"same seed same epoch", 42, 0, true},
		{"same seed next epoch", 42, 1, false},
		{"other seed", 43, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := epochOrder(t, newLoader(t, set, 32, tc.seed, ScaleUnit), tc.epoch)
			assert.Equal(t, tc.wantEqual, slices.Equal(got, base), "order equal to seed 42 epoch 0")
		})
	}
}

func TestLoaderEachImageOncePerEpoch(t *testing.T) {
	tests := []struct{ n, batch int }{{300, 32}, {300, 300}, {300, 1}, {10, 3}, {513, 64}}
	for _, tc := range tests {
		l := newLoader(t, indexedSet(tc.n), tc.batch, 9, ScaleUnit)
		assert.Equal(t, tc.n/tc.batch, l.BatchesPerEpoch(), "n=%d batch=%d: BatchesPerEpoch", tc.n, tc.batch)
		for epoch := range 3 {
			order := epochOrder(t, l, epoch)
			require.Len(t, order, l.BatchesPerEpoch()*tc.batch, "images in an epoch")
			seen := make([]bool, tc.n)
			for _, i := range order {
				require.True(t, i >= 0 && i < tc.n && !seen[i], "n=%d batch=%d epoch %d: image %d out of range or repeated", tc.n, tc.batch, epoch, i)
				seen[i] = true
			}
		}
	}
}

// TestLoaderResume checks that a fresh Loader asked for (epoch, index)
// directly, as after a restart, gives what a long-running one gave.
func TestLoaderResume(t *testing.T) {
	set := indexedSet(200)
	long := newLoader(t, set, 16, 5, ScaleSigned)
	want := make([]float32, 16*4)
	got := make([]float32, 16*4)
	for epoch := range 4 {
		for b := range long.BatchesPerEpoch() {
			require.NoError(t, long.Fill(epoch, b, want, nil))
			if epoch != 2 || b != 7 {
				continue
			}
			fresh := newLoader(t, set, 16, 5, ScaleSigned)
			require.NoError(t, fresh.Fill(epoch, b, got, nil))
			require.Equal(t, want, got, "resumed batch")
		}
	}
	// Going back to an earlier epoch must reproduce it, not continue from
	// the cached one.
	first := make([]float32, 16*4)
	again := make([]float32, 16*4)
	l := newLoader(t, set, 16, 5, ScaleSigned)
	for _, step := range []struct {
		epoch, index int
		dst          []float32
	}{{0, 3, first}, {5, 0, again}, {0, 3, again}} {
		require.NoError(t, l.Fill(step.epoch, step.index, step.dst, nil))
	}
	require.Equal(t, first, again, "batch (0,3) after visiting epoch 5")
}

func TestLoaderScale(t *testing.T) {
	set := &Set{N: 1, H: 1, W: 4, Images: []uint8{0, 51, 255, 128}, Source: "pixels"}
	tests := []struct {
		scale    Scale
		want     []float32
		lo, hi   float32
		scaleStr string
	}{
		{ScaleSigned, []float32{-1, 51/127.5 - 1, 1, 128/127.5 - 1}, -1, 1, "signed"},
		{ScaleUnit, []float32{0, 0.2, 1, 128.0 / 255}, 0, 1, "unit"},
	}
	for _, tc := range tests {
		t.Run(tc.scaleStr, func(t *testing.T) {
			assert.Equal(t, tc.scaleStr, tc.scale.String())
			l := newLoader(t, set, 1, 0, tc.scale)
			got := make([]float32, 4)
			require.NoError(t, l.Fill(0, 0, got, nil))
			for i := range got {
				assert.InDelta(t, tc.want[i], got[i], 1e-6, "pixel %d", set.Images[i])
				assert.True(t, got[i] >= tc.lo && got[i] <= tc.hi, "pixel %d maps to %v outside [%v, %v]", set.Images[i], got[i], tc.lo, tc.hi)
			}
		})
	}
	// Real-looking data must stay in range too, for every byte value.
	all := &Set{N: 1, H: 16, W: 16, Images: make([]uint8, 256), Source: "bytes"}
	for i := range all.Images {
		all.Images[i] = uint8(i)
	}
	for _, tc := range tests {
		got := make([]float32, 256)
		require.NoError(t, newLoader(t, all, 1, 0, tc.scale).Fill(0, 0, got, nil))
		assert.Equal(t, tc.lo, slices.Min(got), "%v: lowest value", tc.scale)
		assert.Equal(t, tc.hi, slices.Max(got), "%v: highest value", tc.scale)
	}
}

func TestLoaderFillDoesNotAllocate(t *testing.T) {
	set := Synthetic(1000, 3)
	l := newLoader(t, set, 50, 11, ScaleSigned)
	images := make([]float32, 50*28*28)
	labels := make([]int, 50)
	tests := []struct {
		name  string
		epoch func(run int) int
	}{
		{"within one epoch", func(int) int { return 0 }},
		{"changing epochs", func(run int) int { return run }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := 0
			allocs := testing.AllocsPerRun(100, func() {
				run++
				require.NoError(t, l.Fill(tc.epoch(run), run%l.BatchesPerEpoch(), images, labels))
			})
			assert.Zero(t, allocs, "allocations per Fill")
		})
	}
}

func TestLoaderAccessors(t *testing.T) {
	l := newLoader(t, Synthetic(30, 1), 7, 1, ScaleUnit)
	c, h, w := l.ImageShape()
	assert.Equal(t, [3]int{1, 28, 28}, [3]int{c, h, w}, "ImageShape")
	assert.Equal(t, 7, l.Batch(), "Batch")
	assert.Equal(t, 4, l.BatchesPerEpoch(), "BatchesPerEpoch")
}

func TestNewLoaderErrors(t *testing.T) {
	set := indexedSet(10)
	tests := []struct {
		name  string
		set   *Set
		batch int
		scale Scale
		want  []string
	}{
		{"batch zero", set, 0, ScaleUnit, []string{"batch size 0", "10 images"}},
		{"batch too big", set, 11, ScaleUnit, []string{"batch size 11", "10 images"}},
		{"bad scale", set, 2, Scale(9), []string{"scale 9"}},
		{"nil set", nil, 2, ScaleUnit, []string{"nil set"}},
		{"labels mismatch", &Set{N: 2, H: 1, W: 1, Images: []uint8{1, 2}, Labels: []uint8{1}}, 1, ScaleUnit, []string{"2 images but 1 labels"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewLoader(tc.set, tc.batch, 1, tc.scale)
			require.Error(t, err, "NewLoader")
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

func TestFillErrors(t *testing.T) {
	l := newLoader(t, indexedSet(10), 3, 1, ScaleUnit) // 3 batches per epoch
	unl := newLoader(t, &Set{N: 3, H: 2, W: 2, Images: make([]uint8, 12), Source: "unl"}, 3, 1, ScaleUnit)
	tests := []struct {
		name         string
		l            *Loader
		epoch, index int
		images       []float32
		labels       []int
		want         string
	}{
		{"index past end", l, 0, 3, make([]float32, 12), nil, "index 3 out of range"},
		{"negative index", l, 0, -1, make([]float32, 12), nil, "index -1"},
		{"negative epoch", l, -1, 0, make([]float32, 12), nil, "epoch -1"},
		{"short images", l, 0, 0, make([]float32, 11), nil, "length 11, want 12"},
		{"nil images", l, 0, 0, nil, nil, "length 0, want 12"},
		{"short labels", l, 0, 0, make([]float32, 12), make([]int, 2), "length 2, want batch size 3"},
		{"labels of unlabelled set", unl, 0, 0, make([]float32, 12), make([]int, 3), "unlabelled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.l.Fill(tc.epoch, tc.index, tc.images, tc.labels)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
