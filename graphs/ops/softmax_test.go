package ops

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExp32 compares the float32 exponential with math.Exp over the whole
// range a softmax feeds it, in relative error.
func TestExp32(t *testing.T) {
	var worst float64
	for i := 0; i <= 1_000_000; i++ {
		x := float32(-87.33 * float64(i) / 1_000_000)
		want := math.Exp(float64(x))
		got := float64(exp32(x))
		worst = math.Max(worst, math.Abs(got-want)/want)
	}
	t.Logf("worst relative error %.3g", worst)
	require.Less(t, worst, 2e-7)
	require.True(t, math.IsNaN(float64(exp32(float32(math.NaN())))), "NaN must reach the NaN guard")
	require.Equal(t, float32(1), exp32(0))
	require.Equal(t, float32(0), exp32(-100))
	require.Equal(t, float32(0), exp32(float32(math.Inf(-1))))
}
