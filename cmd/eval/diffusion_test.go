package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
)

// TestDiffusionCheckpoint evaluates an untrained diffusion model with the
// sampler the flags choose, and records the sampler in the result.
func TestDiffusionCheckpoint(t *testing.T) {
	m, err := diffusion.New(diffusion.Config{T: 3, UNet: diffusion.UNetConfig{Channels: []int{4, 4}, TimeDim: 8, Groups: 2}}, 1)
	require.NoError(t, err)
	s, err := diffusion.NewStep(m, diffusion.TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	dir, _ := testutil.SaveRun(t, s, 3)
	r := runJSON(t, "-ckpt", dir, "-steps", "2", "-eta", "1")
	require.Equal(t, diffusion.Kind, r.Kind)
	require.Equal(t, &diffusion.SampleConfig{Method: diffusion.DDIM, Steps: 2, Eta: 1}, r.Sampling)
	require.Greater(t, r.FID, 100.0)

	var table bytes.Buffer
	require.NoError(t, run(context.Background(), append(quick, "-ckpt", dir, "-sampler", "ddpm"), &table, &table))
	require.Contains(t, table.String(), "DIFFUSION checkpoint")
	require.Contains(t, table.String(), "DDPM 3 steps")

	err = run(context.Background(), append(quick, "-noise", "-steps", "3"), &table, &table)
	require.ErrorContains(t, err, "-steps sets how a diffusion checkpoint draws; it needs -ckpt")
}
