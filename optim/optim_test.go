package optim

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/graphs"
)

// TestAdamMatchesReference runs three Adam steps and compares them with
// the update rule evaluated in float64.
func TestAdamMatchesReference(t *testing.T) {
	p := graphs.NewParam("w", 3)
	copy(p.Float32s(), []float32{0.5, -1, 2})
	opt := NewAdam(graphs.Params{p}, 0.1, 0.5, 0.999)
	grads := [][]float32{{1, -2, 0.5}, {0.3, -0.1, -4}, {2, 2, 2}}
	ref := []float64{0.5, -1, 2}
	m, v := make([]float64, 3), make([]float64, 3)
	for step, g := range grads {
		gt := tensor.New(tensor.WithShape(3), tensor.WithBacking(append([]float32(nil), g...)))
		require.NoError(t, opt.Update([]*tensor.Dense{gt}))
		tt := float64(step + 1)
		for j := range ref {
			m[j] = 0.5*m[j] + 0.5*float64(g[j])
			v[j] = 0.999*v[j] + 0.001*float64(g[j])*float64(g[j])
			mh := m[j] / (1 - math.Pow(0.5, tt))
			vh := v[j] / (1 - math.Pow(0.999, tt))
			ref[j] -= 0.1 * mh / (math.Sqrt(vh) + 1e-8)
		}
		for j := range ref {
			require.InDelta(t, ref[j], float64(p.Float32s()[j]), 1e-5, "step %d entry %d", step+1, j)
		}
	}
	require.EqualValues(t, 3, opt.Step)
	bad := tensor.New(tensor.WithShape(2), tensor.Of(tensor.Float32))
	require.ErrorContains(t, opt.Update([]*tensor.Dense{bad}), "w")
}

func TestEMA(t *testing.T) {
	src, avg := graphs.NewParam("w", 2), graphs.NewParam("ema.w", 2)
	copy(src.Float32s(), []float32{1, 2})
	copy(avg.Float32s(), []float32{1, 2})
	e, err := NewEMA(graphs.Params{src}, graphs.Params{avg}, 0.5)
	require.NoError(t, err)
	copy(src.Float32s(), []float32{3, 4})
	e.Update() // decay min(0.5, 2/11) = 2/11
	d := 2.0 / 11
	require.InDeltaSlice(t, []float64{d*1 + (1-d)*3, d*2 + (1-d)*4}, []float64{float64(avg.Float32s()[0]), float64(avg.Float32s()[1])}, 1e-6)
	for range 200 {
		e.Update()
	}
	require.InDelta(t, 3, avg.Float32s()[0], 1e-5, "converges to a constant parameter")
	_, err = NewEMA(graphs.Params{src}, graphs.Params{graphs.NewParam("x", 3)}, 0.5)
	require.Error(t, err)
}

func TestAdamFreeze(t *testing.T) {
	a, b := graphs.NewParam("gen.fc1.weight", 2), graphs.NewParam("gen.fc2.weight", 2)
	copy(a.Float32s(), []float32{1, 2})
	copy(b.Float32s(), []float32{1, 2})
	opt := NewAdam(graphs.Params{a, b}, 0.1, 0.9, 0.999)
	require.Equal(t, []string{"gen.fc1.weight"}, opt.Freeze("gen.fc1", "disc."))
	g := func() *tensor.Dense { return tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, -1})) }
	for range 3 {
		require.NoError(t, opt.Update([]*tensor.Dense{g(), g()}))
	}
	require.Equal(t, []float32{1, 2}, a.Float32s(), "frozen")
	require.NotEqual(t, []float32{1, 2}, b.Float32s(), "trained")
}

func TestAdamRefusesNonFiniteGradients(t *testing.T) {
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		p := graphs.NewParam("w", 3)
		copy(p.Float32s(), []float32{1, 2, 3})
		opt := NewAdam(graphs.Params{p}, 0.1, 0.9, 0.999)
		g := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float32{0.5, bad, 1}))
		err := opt.Update([]*tensor.Dense{g})
		require.ErrorIs(t, err, ErrNonFinite)
		require.ErrorContains(t, err, "w")
		require.ErrorContains(t, err, "index 1")
		require.Equal(t, []float32{1, 2, 3}, p.Float32s(), "parameters untouched")
		require.EqualValues(t, 0, opt.Step)
	}
}

// TestAdamSaveRestore: the state goes into a checkpoint under the names
// every earlier checkpoint used, and comes back exactly.
func TestAdamSaveRestore(t *testing.T) {
	p := graphs.NewParam("w", 2)
	opt := NewAdam(graphs.Params{p}, 0.1, 0.5, 0.999)
	g := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, -2}))
	require.NoError(t, opt.Update([]*tensor.Dense{g}))
	c := &checkpoints.Checkpoint{}
	opt.Save(c, "d")
	var names []string
	for _, t := range c.Tensors {
		names = append(names, t.Name)
	}
	require.Equal(t, []string{"optim.d.m.w", "optim.d.v.w"}, names)
	require.Equal(t, map[string]string{"optim.d.step": "1", "optim.d.lr": "0.1", "optim.d.betas": "0.5,0.999"}, c.Meta.Extra)

	fresh := NewAdam(graphs.Params{graphs.NewParam("w", 2)}, 0.1, 0.5, 0.999)
	require.NoError(t, fresh.Restore(c, "d"))
	require.Equal(t, opt.M, fresh.M)
	require.Equal(t, opt.V, fresh.V)
	require.EqualValues(t, 1, fresh.Step)
	require.ErrorContains(t, fresh.Restore(c, "g"), "no step count for optimiser g")
	other := NewAdam(graphs.Params{graphs.NewParam("u", 2)}, 0.1, 0.5, 0.999)
	require.ErrorContains(t, other.Restore(c, "d"), "optim.d.m.u")
}
