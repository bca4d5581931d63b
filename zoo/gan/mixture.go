package gan

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// MixtureLinear is the first layer of a mixture of K generators (MGAN,
// Hoang et al. 2018): one linear layer per generator, named
// <prefix>.g.<k>.<name> (k from 0, as a PyTorch module list), while the
// generators share every later layer. Each row of a batch goes through
// the layer of the generator its one-hot row of which [batch, K] names.
type MixtureLinear struct {
	Layers []*graphs.Linear
}

// newMixtureLinear returns k layers from in to out values, drawn from
// rng one after another.
func newMixtureLinear(prefix, name string, k, in, out int, rng *rand.Rand) *MixtureLinear {
	m := &MixtureLinear{}
	for i := range k {
		m.Layers = append(m.Layers, graphs.NewLinear(fmt.Sprintf("%s.g.%d.%s", prefix, i, name), in, out, rng))
	}
	return m
}

// Params returns the layers' parameters, generator by generator.
func (m *MixtureLinear) Params() graphs.Params { return graphs.CollectParams(m) }

// Forward returns, for x [batch, in] and which [batch, K], the rows
// x_i·W_kᵀ + b_k with k the generator which_i names.
//
// One product does it: row i of x is repeated K times and each copy
// scaled by which_{i,k} (a fixed 0/1 matrix spreads which over the
// copies), so that [x_i·which_i0, …, x_i·which_i(K−1)] times the
// generators' weights side by side [out, K·in] keeps generator k's
// part alone; the biases come from which times their rows [K, out].
func (m *MixtureLinear) Forward(b *graphs.Builder, x, which *G.Node) *G.Node {
	if b.Err() != nil {
		return nil
	}
	k := len(m.Layers)
	if x == nil || which == nil || x.Dims() != 2 || !which.Shape().Eq([]int{x.Shape()[0], k}) {
		b.Fail("mixture layer", fmt.Errorf("want inputs [batch, in] and a choice of %d generators [batch, %d]", k, k))
		return nil
	}
	in := x.Shape()[1]
	spread := spreadInput(b, m.Layers[0].Weight.Name+".spread", k, in)
	if spread == nil {
		return nil
	}
	copies := make([]*G.Node, k)
	weights := make([]*G.Node, k)
	biases := make([]*G.Node, k)
	for g, l := range m.Layers {
		copies[g] = x
		weights[g] = b.Param(l.Weight)
		biases[g] = b.Reshape(b.Param(l.Bias), 1, l.Bias.Shape()[0])
	}
	chosen := b.Mul(b.Concat(1, copies...), b.MatMul(which, spread, false, false))
	return b.Add(b.MatMulT(chosen, b.Concat(1, weights...)), b.MatMul(which, b.Concat(0, biases...), false, false))
}

// mixtureGenerator is a generator of several: its forward pass also reads
// which generator draws each row.
type mixtureGenerator interface {
	ForwardMix(b *graphs.Builder, z, y, which *G.Node) *G.Node
}

// componentOf returns the generator of a mixture of k that draws the latent
// vector z: a hash of z's values, so that one vector is always drawn by
// one generator, and independent Gaussian vectors (those Generate draws
// from its seed) pick each of the k generators with probability 1/k.
func componentOf(z []float32, k int) int {
	h := fnv.New64a()
	var buf [4]byte
	for _, v := range z {
		binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
		h.Write(buf[:])
	}
	return int(h.Sum64() % uint64(k))
}

// blockChoice returns the generators of the rows of a training batch of
// a mixture of k: the rows in k consecutive blocks of (about) batch/k,
// block g drawn by generator g, as MGAN's authors split a batch. Every
// generator gets its share of every step, and a pack of consecutive
// images mostly comes from one generator.
func blockChoice(batch, k int) []int {
	rows := make([]int, batch)
	for i := range rows {
		rows[i] = i * k / batch
	}
	return rows
}

// setOneHot sets the input n [len(rows), k] to one-hot rows, row i
// naming rows[i], in n's float type.
func setOneHot(n *G.Node, rows []int, k int) {
	switch d := graphs.Value(n).Data().(type) {
	case []float32:
		clear(d)
		for i, c := range rows {
			d[i*k+c] = 1
		}
	case []float64:
		clear(d)
		for i, c := range rows {
			d[i*k+c] = 1
		}
	}
}
