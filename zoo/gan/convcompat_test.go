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
// order; then two images drawn from it and D's logits for them, which
// pin the forward passes.
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
	imgs, err := NewGenerator(m).Generate(2, 1)
	require.NoError(t, err)
	b := graphs.NewBuilder()
	x := b.Input("x", 2, m.Config.Pixels())
	copy(graphs.Value(x).Data().([]float32), imgs)
	logits := b.Keep(m.Discriminators()[0].Forward(b, x, nil))
	vm, err := b.Compile()
	require.NoError(t, err)
	require.NoError(t, vm.Run())
	for _, v := range append(imgs, logits.Float32s()...) {
		binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(v))
		h.Write(buf[:4])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestDefaultConvModelsUnchanged: the default DCGAN and SAGAN on 28×28
// grey images have the configuration, parameter names, shapes, order and
// initial values of the two-stage models built before the networks took
// any number of stages and channels, so their checkpoints are
// byte-identical.
func TestDefaultConvModelsUnchanged(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Arch: "dcgan"}, "358476caec83dd81054f42c3209a6bd9395d673e6a16e8fa7ea5eb9223bc00b9"},
		{Config{Arch: "sagan"}, "a3681f6db9565affb0872c4aeba0180cedfa92bfa18210f71770db83558eadb5"},
		{Config{Arch: "sagan", Discriminators: 2, Loss: "bce", DPack: 2}, "63f9249b485f1c99827dbe01af48cf13d7a4d31146aa08a6041fd90367ff57f1"},
	} {
		m, err := New(c.cfg, 7)
		require.NoError(t, err)
		require.Equal(t, c.want, paramDigest(t, m), "%+v", c.cfg)
	}
}
