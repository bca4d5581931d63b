package gan

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// paramDigest hashes what a checkpoint of m holds: the configuration it
// records, and each parameter's name, buffer flag, shape and values in
// order. Initialisation is plain Go arithmetic, the same bits on every
// machine.
func paramDigest(t *testing.T, m *Model) string {
	h := sha256.New()
	cfg, err := json.Marshal(m.Config)
	require.NoError(t, err)
	h.Write(cfg)
	var buf [8]byte
	for _, p := range m.Params() {
		h.Write([]byte(p.Name))
		if p.Buffer {
			h.Write([]byte{1})
		}
		for _, d := range p.Shape() {
			binary.LittleEndian.PutUint64(buf[:], uint64(d))
			h.Write(buf[:])
		}
		for _, v := range p.Float32s() {
			binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(v))
			h.Write(buf[:4])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// forwardSums pins the forward passes: the sum and the sum of squares of
// two images drawn from m, and the sum of D's logits for them. They are
// compared within round-off, since the matrix products round by the
// kernel the machine runs (AVX-512, AVX2 or pure Go).
func forwardSums(t *testing.T, m *Model) [3]float64 {
	imgs, err := NewGenerator(m).Generate(2, 1)
	require.NoError(t, err)
	b := graphs.NewBuilder()
	x := b.Input("x", 2, m.Config.Pixels())
	copy(graphs.Value(x).Data().([]float32), imgs)
	logits := b.Keep(m.Discriminators()[0].Forward(b, x, nil))
	vm, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, vm.Run())
	var sums [3]float64
	for _, v := range imgs {
		sums[0] += float64(v)
		sums[1] += float64(v) * float64(v)
	}
	for _, v := range logits.Float32s() {
		sums[2] += float64(v)
	}
	return sums
}

// TestDefaultConvModelsUnchanged: the default DCGAN and SAGAN on 28×28
// grey images have the configuration, parameter names, shapes, order and
// initial values of the two-stage models built before the networks took
// any number of stages and channels, so their checkpoints are
// byte-identical.
func TestDefaultConvModelsUnchanged(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string     // paramDigest
		sums [3]float64 // forwardSums
	}{
		{Config{Arch: "dcgan"}, "d644263982f0ff27da58da82c6e781b5a3cc8eae132e5f1d6e9ae4d626560b1e", [3]float64{943.86049, 592.62102, -0.148755}},
		{Config{Arch: "sagan"}, "4560a8c04d3fff577449f4382f5843b854e8ebc7095c90df2b5a8425229df234", [3]float64{943.86049, 592.62102, 0.001880}},
		{Config{Arch: "sagan", Discriminators: 2, Loss: "bce", DPack: 2}, "f53cf6302a9a5b623b22950157e037f152c4aaee397d87bc590f4081c13799b2", [3]float64{943.86049, 592.62102, -0.034875}},
	} {
		m, err := New(c.cfg, 7)
		require.NoError(t, err)
		require.Equal(t, c.want, paramDigest(t, m), "%+v", c.cfg)
		got := forwardSums(t, m)
		require.InDelta(t, c.sums[0], got[0], 1e-3, "sum of the images, %+v", c.cfg)
		require.InDelta(t, c.sums[1], got[1], 1e-3, "sum of their squares, %+v", c.cfg)
		require.InDelta(t, c.sums[2], got[2], 1e-5, "sum of D's logits, %+v", c.cfg)
	}
}
