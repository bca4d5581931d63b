// Package attention is the self-attention block of SAGAN (Zhang,
// Goodfellow, Metaxas and Odena, "Self-Attention Generative Adversarial
// Networks", 2018) as Gorgonia graphs, on NCHW feature maps ([Block]) and
// on sequences of feature vectors ([Tokens]).
//
// Convolutions see a neighbourhood; a generator built only from them must
// relay information across many layers to make distant parts of an image
// agree. The block lets every position read from every other one in a
// single step, with weights that depend on the content.
//
// # Equations
//
// For one image x ∈ ℝ^{C×N} (its C×H×W map with the N = H·W positions
// flattened row by row), with 1×1 convolutions (per-position linear maps,
// here with biases, as PyTorch's nn.Conv2d has them)
//
//	f(x) = W_f·x ∈ ℝ^{C̄×N}   queries, C̄ = max(⌊C/8⌋, 1)
//	g(x) = W_g·x ∈ ℝ^{C̄×N}   keys
//	h(x) = W_h·x ∈ ℝ^{C×N}   values
//
// the block computes the scores and attention weights
//
//	s = f(x)ᵀ·g(x) ∈ ℝ^{N×N}
//	β_ij = exp(s_ij) / Σ_k exp(s_ik)
//
// so that row i of β, the weights of query position i over the key
// positions j, sums to 1; then the attended values and the output
//
//	o = h(x)·βᵀ ∈ ℝ^{C×N},   o_:i = Σ_j β_ij·h(x)_:j
//	y = γ·o + x
//
// reshaped back to C×H×W. γ is a learned scalar (prefix.gamma, shape [1])
// that starts at 0: the block starts as the identity and the network
// learns to use non-local evidence gradually. While γ = 0 no gradient
// reaches f, g or h; only γ's own gradient, Σ ∂L/∂y ⊙ o, is non-zero.
//
// The paper indexes β the other way round (β_{j,i} is the weight of
// position i when computing position j); [Block.ForwardWeights] returns β
// with one row per query position.
//
// The key bias has no effect: it adds f(x)_iᵀ·b_g to every score of row i,
// a shift the softmax removes, so its gradient is always zero. It is kept so
// that the parameters match a PyTorch module built from nn.Conv2d defaults.
//
// # The authors' code
//
// The official TensorFlow implementation differs from the paper in two
// ways, each selected by a [Config] field (the zero Config is the paper):
//
//   - Pool: g(x) and h(x) are max-pooled over 2×2 windows, so each query
//     attends to N/4 key positions and s is N×N/4.
//   - HalfValues: h has C/2 channels and a fourth 1×1 convolution v maps
//     o back to C channels: y = γ·v(o) + x.
//
// # Layout
//
// Parameters follow PyTorch's state_dict naming: prefix.f.weight
// [C̄, C, 1, 1], prefix.f.bias [C̄], likewise g, h and v, then prefix.gamma
// [1]. Per image the products are one GEMM each with transpose flags
// (graphs.Builder.BatchedMatMul), the softmax runs along the last axis
// (graphs.Builder.Softmax), and γ·o is graphs.Builder.ScaleBy.
package attention
