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

// TestBatchedMatMulTransposes checks values against naive products and
// gradients against finite differences for every combination of transpose
// flags, including an inner size of 1 (where Gorgonia's own BatchedMatMul
// misbehaves).
func TestBatchedMatMulTransposes(t *testing.T) {
	const batch = 3
	for _, size := range []struct{ m, k, n int }{{3, 4, 5}, {4, 1, 3}} {
		for _, tc := range []struct{ ta, tb bool }{{false, false}, {false, true}, {true, false}, {true, true}} {
			m, k, n := size.m, size.k, size.n
			t.Run(fmt.Sprintf("transA=%v,transB=%v", tc.ta, tc.tb), func(t *testing.T) {
				sa, sb := []int{batch, m, k}, []int{batch, k, n}
				if tc.ta {
					sa = []int{batch, k, m}
				}
				if tc.tb {
					sb = []int{batch, n, k}
				}
				rng := rand.New(rand.NewPCG(5, uint64(k)))
				pa, pb := graphs.NewParam("a", sa...), graphs.NewParam("b", sb...)
				graphs.Normal(pa, 1, rng)
				graphs.Normal(pb, 1, rng)
				params := graphs.Params{pa, pb}.ToFloat64()

				b := graphs.NewBuilder()
				b.Dtype = tensor.Float64
				out := b.BatchedMatMul(b.Param(params[0]), b.Param(params[1]), tc.ta, tc.tb)
				require.NoError(t, b.Err())
				require.Equal(t, tensor.Shape{batch, m, n}, out.Shape())
				got := run64(t, b, out)[0]
				A, B := params[0].Value.Data().([]float64), params[1].Value.Data().([]float64)
				at := func(d []float64, s []int, i, r, c int, tr bool) float64 {
					if tr {
						r, c = c, r
					}
					return d[(i*s[1]+r)*s[2]+c]
				}
				for i := range batch {
					for r := range m {
						for c := range n {
							var want float64
							for l := range k {
								want += at(A, sa, i, r, l, tc.ta) * at(B, sb, i, l, c, tc.tb)
							}
							require.InDelta(t, want, got[(i*m+r)*n+c], 1e-12, "[%d,%d,%d]", i, r, c)
						}
					}
				}

				require.NoError(t, testutil.GradCheck(params, func(b *graphs.Builder) *G.Node {
					return b.Sum(b.Tanh(b.BatchedMatMul(b.Param(params[0]), b.Param(params[1]), tc.ta, tc.tb)))
				}, 0, 1e-6))
			})
		}
	}
}

func TestBatchedMatMulFloat32(t *testing.T) {
	b := graphs.NewBuilder()
	x, w := b.Input("x", 2, 2, 3), b.Input("w", 2, 2, 3)
	copy(graphs.Value(x).Data().([]float32), []float32{1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0})
	copy(graphs.Value(w).Data().([]float32), []float32{1, 1, 1, 0, 1, 0, 7, 8, 9, 1, 2, 3})
	out := b.BatchedMatMul(x, w, false, true) // x[i]·w[i]ᵀ
	kept := b.Keep(out)
	vm, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, vm.Run())
	require.Equal(t, []float32{6, 2, 15, 5, 7, 1, 8, 2}, kept.Float32s())
}

func TestBatchedMatMulShapeErrors(t *testing.T) {
	cases := []struct {
		name   string
		sa, sb []int
		want   string
	}{
		{"matrices", []int{2, 3}, []int{3, 2}, "(2, 3) and (3, 2)"},
		{"batch sizes", []int{2, 3, 4}, []int{3, 4, 5}, "batch sizes differ"},
		{"inner sizes", []int{2, 3, 4}, []int{2, 5, 4}, "inner sizes differ"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := graphs.NewBuilder()
			require.Nil(t, b.BatchedMatMul(b.Input("a", tc.sa...), b.Input("b", tc.sb...), false, false))
			require.ErrorContains(t, b.Err(), tc.want)
		})
	}
}
