package graphs_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestMatMulTransposes checks values against a naive product and gradients
// against finite differences for every combination of transpose flags.
func TestMatMulTransposes(t *testing.T) {
	const m, k, n = 3, 4, 5
	for _, tc := range []struct{ ta, tb bool }{{false, false}, {false, true}, {true, false}, {true, true}} {
		t.Run(fmt.Sprintf("transA=%v,transB=%v", tc.ta, tc.tb), func(t *testing.T) {
			sa, sb := []int{m, k}, []int{k, n}
			if tc.ta {
				sa = []int{k, m}
			}
			if tc.tb {
				sb = []int{n, k}
			}
			rng := rand.New(rand.NewPCG(9, 9))
			pa, pb := graphs.NewParam("a", sa...), graphs.NewParam("b", sb...)
			graphs.Normal(pa, 1, rng)
			graphs.Normal(pb, 1, rng)
			params := graphs.Params{pa, pb}.ToFloat64()

			// Values: compare with a naive triple loop.
			b := graphs.NewBuilder()
			b.Dtype = tensor.Float64
			out := b.MatMul(b.Param(params[0]), b.Param(params[1]), tc.ta, tc.tb)
			require.NoError(t, b.Err())
			require.Equal(t, tensor.Shape{m, n}, out.Shape())
			vm := G.NewTapeMachine(b.G)
			require.NoError(t, vm.RunAll())
			A, B := params[0].Value, params[1].Value
			at := func(d *tensor.Dense, i, j int, tr bool) float64 {
				if tr {
					i, j = j, i
				}
				v, err := d.At(i, j)
				require.NoError(t, err)
				return v.(float64)
			}
			got := graphs.Value(out).Data().([]float64)
			for i := range m {
				for j := range n {
					var want float64
					for l := range k {
						want += at(A, i, l, tc.ta) * at(B, l, j, tc.tb)
					}
					require.InDelta(t, want, got[i*n+j], 1e-12, "[%d,%d]", i, j)
				}
			}

			// Gradients of a non-linear function of the product.
			require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
				return b.Sum(b.Tanh(b.MatMul(b.Param(params[0]), b.Param(params[1]), tc.ta, tc.tb)))
			}, 0, 1e-6))
		})
	}
}

func TestMatMulShapeErrors(t *testing.T) {
	b := graphs.NewBuilder()
	x, w := b.Input("x", 2, 3), b.Input("w", 3, 4)
	require.Nil(t, b.MatMul(x, w, false, true)) // x·wᵀ: inner 3 vs 4
	require.ErrorContains(t, b.Err(), "inner sizes")
}
