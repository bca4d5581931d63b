package graphs

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckLabels(t *testing.T) {
	cases := []struct {
		name       string
		labels     []int
		n, classes int
		want       string // "" for no error
	}{
		{"unconditional, none", nil, 3, 0, ""},
		{"unconditional, given", []int{0}, 1, 0, "not class-conditional; it takes no labels"},
		{"conditional, missing", nil, 2, 3, "class-conditional (3 classes): it needs 2 labels (one label per image), got 0 labels"},
		{"conditional, too few", []int{1}, 2, 3, "got 1 labels"},
		{"conditional, out of range", []int{1, 3}, 2, 3, "label 3 of image 1 is not a class in [0, 3)"},
		{"conditional, negative", []int{-1, 0}, 2, 3, "label -1 of image 0"},
		{"conditional, fine", []int{2, 0}, 2, 3, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckLabels(c.labels, c.n, c.classes)
			if c.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestOneHot(t *testing.T) {
	dst := []float32{9, 9, 9, 9, 9, 9, 9, 9, 9}
	require.NoError(t, OneHot(dst, []int{2, 0}, 3))
	require.Equal(t, []float32{0, 0, 1, 1, 0, 0, 0, 0, 0}, dst, "the rows past the labels are zeroed")
	require.ErrorContains(t, OneHot(dst[:5], []int{2, 0}, 3), "holds 5 values")
	require.ErrorContains(t, OneHot(dst, []int{3}, 3), "label 3 of image 0")
}

func TestCheckPixels(t *testing.T) {
	require.NoError(t, CheckPixels([]float32{0, 0.5, 1, 1}, 2, 0, 1))
	require.ErrorContains(t, CheckPixels([]float32{0, 0.5, 1, -0.5}, 2, 0, 1), "pixel 1 of image 1 is -0.5, outside the model's scale [0, 1]")
	require.ErrorContains(t, CheckPixels([]float32{float32(math.Inf(1))}, 1, -1, 1), "pixel 0 of image 0 is +Inf")
	require.ErrorContains(t, CheckPixels([]float32{float32(math.NaN())}, 1, -1, 1), "is NaN")
}

func TestDrawLabels(t *testing.T) {
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
	cases := []struct {
		name              string
		n, classes, class int
		want              []int  // nil with want == nil and err == "": no labels
		err               string // "" for no error
	}{
		{"unconditional", 3, 0, -1, nil, ""},
		{"unconditional, a class", 3, 0, 0, nil, "not class-conditional; cannot draw class 0"},
		{"one class", 3, 4, 2, []int{2, 2, 2}, ""},
		{"class too large", 3, 4, 4, nil, "class 4 is not in [0, 4)"},
		{"class below -1", 3, 4, -2, nil, "class -2 is not in [0, 4)"},
		{"negative count", -1, 4, 1, nil, "cannot draw -1 images"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DrawLabels(c.n, c.classes, c.class, rng())
			if c.err != "" {
				require.ErrorContains(t, err, c.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
	t.Run("random classes", func(t *testing.T) {
		got, err := DrawLabels(1000, 10, -1, rng())
		require.NoError(t, err)
		seen := map[int]int{}
		for _, y := range got {
			require.True(t, y >= 0 && y < 10, "label %d out of range", y)
			seen[y]++
		}
		require.Len(t, seen, 10, "1000 uniform draws cover all 10 classes")
		again, err := DrawLabels(1000, 10, -1, rng())
		require.NoError(t, err)
		require.Equal(t, got, again, "the same stream gives the same labels")
	})
}
