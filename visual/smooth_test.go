package visual

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSmooth(t *testing.T) {
	tests := []struct {
		name  string
		y     []float64
		alpha float64
		want  []float64
	}{
		{"empty", nil, 0.5, []float64{}},
		{"alpha 1 is identity", []float64{3, 1, 4}, 1, []float64{3, 1, 4}},
		{"half", []float64{0, 2, 4}, 0.5, []float64{0, 1, 2.5}},
		{"alpha 0 holds first", []float64{5, 1, 9}, 0, []float64{5, 5, 5}},
		{"alpha above 1 clamps", []float64{3, 1}, 7, []float64{3, 1}},
		{"NaN alpha means none", []float64{3, 1}, math.NaN(), []float64{3, 1}},
		{"NaN passes through", []float64{0, math.NaN(), 4}, 0.5, []float64{0, math.NaN(), 2}},
		{"leading NaN", []float64{math.NaN(), 2, 4}, 0.5, []float64{math.NaN(), 2, 3}},
		{"Inf passes through", []float64{2, math.Inf(1), 2}, 0.5, []float64{2, math.Inf(1), 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Smooth(tc.y, tc.alpha)
			require.Len(t, got, len(tc.want))
			for i := range got {
				if math.IsNaN(tc.want[i]) {
					assert.True(t, math.IsNaN(got[i]), "got %v, want %v", got, tc.want)
				} else {
					assert.Equal(t, tc.want[i], got[i], "got %v, want %v", got, tc.want)
				}
			}
		})
	}
}
