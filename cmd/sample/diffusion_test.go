package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/visual"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// TestSampleDiffusion: the sampling flags reach a diffusion model's
// sampler, are checked against its T, and are refused for other kinds.
func TestSampleDiffusion(t *testing.T) {
	m, err := diffusion.New(diffusion.Config{T: 10, UNet: diffusion.UNetConfig{Channels: []int{4, 4}, TimeDim: 8, Groups: 2, Classes: 3}}, 1)
	require.NoError(t, err)
	s, err := diffusion.NewStep(m, diffusion.TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	dir, _ := testutil.SaveRun(t, s, 0)
	var out bytes.Buffer
	read := func(args ...string) []uint8 {
		idx := filepath.Join(t.TempDir(), "s.idx")
		require.NoError(t, run(context.Background(), append([]string{"-ckpt", dir, "-n", "4", "-seed", "3", "-o", idx}, args...), &out, &out))
		got, err := datasets.ReadIDX(idx)
		require.NoError(t, err)
		return got.Data
	}
	for _, c := range []struct {
		args  []string
		class int
		sc    diffusion.SampleConfig
	}{
		{nil, -1, diffusion.SampleConfig{}},
		{[]string{"-steps", "4", "-eta", "0.5"}, -1, diffusion.SampleConfig{Steps: 4, Eta: 0.5}},
		{[]string{"-steps", "4", "-eta", "0"}, -1, diffusion.SampleConfig{Steps: 4, Eta: -1}}, // deterministic
		{[]string{"-sampler", "ddpm", "-class", "2", "-guidance", "3"}, 2, diffusion.SampleConfig{Method: diffusion.DDPM, Guidance: 3}},
	} {
		want, err := diffusion.NewSampler(m).Sample(context.Background(), 4, 3, c.class, c.sc)
		require.NoError(t, err)
		wantBytes := make([]uint8, len(want))
		visual.ToUint8(want, 0, 1, wantBytes)
		require.Equal(t, wantBytes, read(c.args...), "%v", c.args)
	}
	png := filepath.Join(t.TempDir(), "s.png")
	err = run(context.Background(), []string{"-ckpt", dir, "-steps", "11", "-o", png}, &out, &out)
	require.ErrorContains(t, err, "sampling steps must be from 1 to T = 10")
	err = run(context.Background(), []string{"-ckpt", dir, "-eta", "2", "-o", png}, &out, &out)
	require.ErrorContains(t, err, "-eta must be in [0, 1]")
	err = run(context.Background(), []string{"-ckpt", dir, "-sampler", "euler", "-o", png}, &out, &out)
	require.ErrorContains(t, err, "-sampler must be one of")

	vaeDir, _ := vaeCheckpoint(t, vae.Config{Hidden: []int{8}, Z: 2})
	err = run(context.Background(), []string{"-ckpt", vaeDir, "-guidance", "2", "-o", png}, &out, &out)
	require.ErrorContains(t, err, "-guidance applies to diffusion models only; this checkpoint holds a vae")
}
