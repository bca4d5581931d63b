package diffusion

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFLOPs checks the training step's count against the sampling graph's:
// the products are linear in the batch, and training runs each forward
// product again twice for its gradients (input and weight), except the
// input gradients of the two layers that read fed inputs, conv_in (the
// images) and time.fc1 (the timestep embeddings), which nothing needs.
func TestFLOPs(t *testing.T) {
	r := Preset()
	m, err := New(r.Config, 1)
	require.NoError(t, err)
	s, err := NewStep(m, r.Train, 1)
	require.NoError(t, err)
	forward, err := NewSampler(m).FLOPs()
	require.NoError(t, err)
	batch := int64(r.Train.Batch)
	require.Zero(t, forward*batch%SampleBatch)
	perBatch := forward * batch / SampleBatch
	convIn := 2 * batch * 16 * 28 * 28 * (1 * 3 * 3)
	fc1 := 2 * batch * 64 * 64
	require.Equal(t, 3*perBatch-convIn-fc1, s.FLOPs())
	// The documented cost: about 71 million multiply-adds per image.
	require.InDelta(t, 71e6, float64(forward)/SampleBatch/2, 1e6)
}
