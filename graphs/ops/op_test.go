package ops

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestOpNames builds every op and, through Gorgonia's Grad, every
// gradient op, and checks each node's name: Gorgonia merges nodes whose
// op names and inputs agree, so an op made without its constructor (no
// name) or named like a different op would be merged with the wrong one.
// It also checks that DiffWRT says something of every input: Gorgonia
// reads one entry per input.
func TestOpNames(t *testing.T) {
	g := G.NewGraph()
	in := func(name string, shape ...int) *G.Node {
		return G.NewTensor(g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName(name), G.WithInit(G.RangedFrom(0)))
	}
	img, w, bias := in("img", 2, 3, 4, 4), in("w", 5, 3, 3, 3), in("bias", 5)
	a, b := in("a", 2, 3), in("b", 3, 4)
	stack, t2 := in("stack", 2, 2, 3), in("t", 2, 3)
	gamma := in("gamma", 1)
	var outs G.Nodes
	add := func(n *G.Node, err error) {
		t.Helper()
		require.NoError(t, err)
		outs = append(outs, n)
	}
	add(MatMul(a, b, false, false))
	add(MatMul(a, a, true, false))
	add(BatchedMatMul(stack, stack, false, true))
	add(ReLU(a))
	add(LeakyReLU(a, 0.2))
	add(Tanh(a))
	add(Sigmoid(a))
	add(BCEWithLogits(a, t2))
	add(BCEWithLogitsConst(a, 1))
	add(AddBias(b, in("b4", 4)))
	add(Conv2d(img, w, bias, 1, 1, true))
	add(Upsample(img, 2))
	add(MaxPool2d(img, 2))
	add(PixelNorm(img))
	add(StackRows(a, t2))
	add(Rows(a, 0, 1))
	add(RowSum(a))
	add(Softmax(stack))
	add(ScaleBy(gamma, a))
	add(Hadamard(a, t2))
	add(SiLU(a))
	add(Add(a, t2))
	add(GroupNorm(img, in("gn.weight", 3), in("gn.bias", 3), 3))
	add(AddToMaps(img, t2))
	add(ConcatChannels(img, in("img2", 2, 2, 4, 4)))
	var cost *G.Node
	for _, n := range outs {
		s, err := G.Sum(n)
		require.NoError(t, err)
		if cost == nil {
			cost = s
			continue
		}
		cost, err = G.Add(cost, s)
		require.NoError(t, err)
	}
	_, err := G.Grad(cost, img, w, bias, a, b, stack, t2, gamma)
	require.NoError(t, err)

	want := []string{
		"MatMul(A·B)", "MatMul(Aᵀ·B)", "MatMul(A·Bᵀ)",
		"BatchedMatMul(A·B)", "BatchedMatMul(A·Bᵀ)", "BatchedMatMul(Aᵀ·B)",
		"ReLU", "LeakyReLU(0.2)", "Tanh", "Sigmoid",
		"ReLUGrad", "LeakyReLU(0.2)Grad", "TanhGrad", "SigmoidGrad",
		"BCEWithLogits", "BCEWithLogitsGradX", "BCEWithLogitsGradT",
		"BCEWithLogitsConst(1)", "BCEWithLogitsConst(1)GradX",
		"AddBias", "SumRows",
		"Conv2d(x(2, 3, 4, 4), w(5, 3, 3, 3), stride 1, pad 1)",
		"Conv2dInputGrad(x(2, 3, 4, 4), w(5, 3, 3, 3), stride 1, pad 1)",
		"Conv2dWeightGrad(x(2, 3, 4, 4), w(5, 3, 3, 3), stride 1, pad 1)",
		"Conv2dBiasGrad(x(2, 3, 4, 4), w(5, 3, 3, 3), stride 1, pad 1)",
		"Upsample(2)", "BlockSum(2)", "MaxPool(2)", "MaxPoolGrad(2)",
		"PixelNorm", "PixelNormGrad",
		"StackRows(2)", "Rows[0:1]", "Rows[0:2]", "Rows[2:4]", "PadRows[0:1 of 2]",
		"RowSum", "RowSumGrad",
		"Softmax(last axis)", "SoftmaxGrad(last axis)",
		"ScaleBy", "SumOfProducts", "Hadamard",
		"SiLU", "SiLUGrad", "Add",
		"GroupNorm(3)", "GroupNorm(3)GradX", "GroupNorm(3)GradGamma", "GroupNorm(3)GradBeta",
		"AddToMaps", "SumMaps",
		"ConcatChannels", "Channels[0:3]", "Channels[3:5]",
	}
	var got []string
	for _, n := range g.AllNodes() {
		if n.Op() == nil || !isOurs(n.Op()) {
			continue
		}
		got = append(got, n.Op().String())
		if d, ok := n.Op().(G.SDOp); ok {
			require.Len(t, d.DiffWRT(n.Op().Arity()), n.Op().Arity(), "DiffWRT of %v", n.Op())
		}
	}
	slices.Sort(got)
	got = slices.Compact(got)
	slices.Sort(want)
	require.Equal(t, want, got)
}

// isOurs reports whether op is one of this package's ops.
func isOurs(op G.Op) bool {
	switch op.(type) {
	case matMulOp, batchedMatMulOp, actOp, bceOp, biasOp, convOp, resampleOp, maxPoolOp,
		pixelNormOp, rowsOp, rowSumOp, softmaxOp, softmaxGradOp, scaleByOp, sumOfProductsOp, elementwiseOp,
		groupNormOp, addToMapsOp, channelsOp:
		return true
	}
	return false
}

// TestGradientOpsAreNotDifferentiated: differentiating through the
// gradient of an activation or of PixelNorm (which takes two inputs)
// reports that it cannot, instead of Gorgonia indexing past the end of a
// one-element DiffWRT and panicking.
func TestGradientOpsAreNotDifferentiated(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   func(*G.Node) (*G.Node, error)
	}{
		{"ReLU", ReLU},
		{"LeakyReLU", func(x *G.Node) (*G.Node, error) { return LeakyReLU(x, 0.2) }},
		{"Tanh", Tanh},
		{"Sigmoid", Sigmoid},
		{"PixelNorm", PixelNorm},
		{"SiLU", SiLU},
		{"GroupNorm", func(x *G.Node) (*G.Node, error) {
			c := func(name string) *G.Node {
				return G.NewTensor(x.Graph(), tensor.Float64, 1, G.WithShape(3), G.WithName(name), G.WithInit(G.RangedFrom(1)))
			}
			return GroupNorm(x, c("gamma"), c("beta"), 3)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := G.NewGraph()
			x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 2, 2), G.WithName("x"), G.WithInit(G.RangedFrom(0)))
			w := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 2, 2), G.WithName("w"), G.WithInit(G.RangedFrom(0)))
			y, err := tc.op(x)
			require.NoError(t, err)
			dx, err := G.Grad(G.Must(G.Sum(y)), x)
			require.NoError(t, err)
			cost := G.Must(G.Sum(G.Must(G.HadamardProd(dx[0], w))))
			require.NotPanics(t, func() { _, err = G.Grad(cost, w, x) })
			require.ErrorContains(t, err, "Non Differentiable")
		})
	}
}
