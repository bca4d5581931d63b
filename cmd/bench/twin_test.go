package main

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
)

// TestDiffusionTwin checks that peer/diffusion.py's U-Net is the network
// the diffusion row times: the Go U-Net's parameters (the zero-initialised
// ones redrawn, so that every layer shows in the output) are loaded by
// name into the PyTorch module, which must take every one with its shape,
// and for the same images, noise and timesteps both must give the same
// timestep embeddings, ε̂, loss and gradient of every parameter, within
// float32 round-off.
func TestDiffusionTwin(t *testing.T) {
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import torch").CombinedOutput(); err != nil {
		t.Skipf("%s cannot import torch (%v: %s): install python3-torch to compare the PyTorch twin", python, err, lastLine(string(out)))
	}
	const batch = 4
	m, err := diffusion.New(diffusion.Preset().Config, 7)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(7, 8))
	params := m.Net.Params()
	count := 0
	for _, p := range params {
		v := p.Float32s()
		count += len(v)
		if !allZero(v) {
			continue
		}
		for i := range v {
			v[i] = 0.2*rng.Float32() - 0.1
		}
	}

	// The inputs: images in [−1, 1], noise, and steps from the ends of the
	// schedule and between.
	cfg := m.Config
	pixels := cfg.Pixels()
	x0, eps := make([]float32, batch*pixels), make([]float32, batch*pixels)
	for i := range x0 {
		x0[i] = 2*rng.Float32() - 1
	}
	graphs.FillNormal(eps, rng)
	ts := []int{0, 999, 417, 58}
	tf := make([]float32, batch)
	for i, s := range ts {
		tf[i] = float32(s)
	}
	dir := t.TempDir()
	require.NoError(t, checkpoints.Save(filepath.Join(dir, "weights.safetensors"), &checkpoints.Checkpoint{Meta: checkpoints.Meta{Kind: diffusion.Kind}, Tensors: params.Tensors()}))
	require.NoError(t, checkpoints.Save(filepath.Join(dir, "inputs.safetensors"), &checkpoints.Checkpoint{Tensors: []checkpoints.Tensor{
		{Name: "x0", Shape: []int{batch, pixels}, Data: x0},
		{Name: "eps", Shape: []int{batch, pixels}, Data: eps},
		{Name: "t", Shape: []int{batch}, Data: tf},
	}}))

	// The Go side: x_t and the embeddings as Step.Run makes them, ε̂ from
	// a forward graph, the loss and its gradients from a training graph.
	xt := make([]float32, batch*pixels)
	for i, s := range ts {
		m.Schedule().Diffuse(xt[i*pixels:(i+1)*pixels], x0[i*pixels:(i+1)*pixels], eps[i*pixels:(i+1)*pixels], s)
	}
	temb := make([]float32, batch*cfg.UNet.TimeDim)
	diffusion.TimestepEmbedding(ts, cfg.UNet.TimeDim, temb)
	fb := graphs.NewBuilder()
	fx, ft := fb.Input("x_t", batch, pixels), fb.Input("temb", batch, cfg.UNet.TimeDim)
	fout := fb.Keep(m.Net.Forward(fb, fx, ft, nil))
	fvm, err := fb.Compile()
	require.NoError(t, err)
	copy(graphs.Value(fx).Data().([]float32), xt)
	copy(graphs.Value(ft).Data().([]float32), temb)
	require.NoError(t, fvm.Run())

	tb := graphs.NewBuilder()
	tb.Training = true
	tx, tt, te := tb.Input("x_t", batch, pixels), tb.Input("temb", batch, cfg.UNet.TimeDim), tb.Input("eps", batch, pixels)
	loss := diffusion.Loss(tb, m.Net, tx, tt, nil, te)
	kept := tb.Keep(loss)
	train, err := graphs.NewTrainGraph(tb, loss, params.Trainable())
	require.NoError(t, err)
	copy(graphs.Value(tx).Data().([]float32), xt)
	copy(graphs.Value(tt).Data().([]float32), temb)
	copy(graphs.Value(te).Data().([]float32), eps)
	require.NoError(t, train.Run(rng))

	// The PyTorch side.
	peers, err := writeOwnPeers()
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(peers) })
	cmd := exec.CommandContext(context.Background(), python, "diffusion.py", "--check", dir, "--threads", "1")
	cmd.Dir = peers
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "diffusion.py --check: %s", out)
	got, err := checkpoints.Load(filepath.Join(dir, "outputs.safetensors"))
	require.NoError(t, err)
	find := func(name string) []float32 {
		tn, ok := got.Find(name)
		require.True(t, ok, "diffusion.py wrote no %s", name)
		return tn.Data
	}

	require.Equal(t, float32(count), find("params")[0], "parameter counts")
	requireClose(t, "timestep embedding", temb, find("temb"), 1e-6)
	requireClose(t, "ε̂", fout.Float32s(), find("eps_hat"), 1e-4)
	require.False(t, allZero(fout.Float32s()), "ε̂ is all zero: the comparison shows nothing")
	requireClose(t, "loss", []float32{float32(kept.Scalar())}, find("loss"), 1e-5)
	for i, p := range params.Trainable() {
		requireClose(t, "gradient of "+p.Name, train.Grads()[i].Data().([]float32), find("grad."+p.Name), 2e-4)
	}
}

// requireClose checks that got and want agree to within tol times the
// largest magnitude in want (at least 1e-3 of it, so that a tensor of tiny
// values is compared at an absolute scale).
func requireClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	scale := 0.0
	for _, w := range want {
		scale = max(scale, math.Abs(float64(w)))
	}
	scale = max(scale, 1e-3)
	worst, at := 0.0, 0
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > worst {
			worst, at = d, i
		}
	}
	require.LessOrEqual(t, worst/scale, tol, "%s: largest difference %g at %d (Go %g, PyTorch %g), scale %g", what, worst, at, got[at], want[at], scale)
}

func allZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
