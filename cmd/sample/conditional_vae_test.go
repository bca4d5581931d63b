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
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// vaeCheckpoint saves an untrained VAE of cfg in a run folder and returns
// the folder and the model.
func vaeCheckpoint(t *testing.T, cfg vae.Config) (string, *vae.Model) {
	t.Helper()
	m, err := vae.New(cfg, 1)
	require.NoError(t, err)
	s, err := vae.NewStep(m, vae.TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	dir, _ := testutil.SaveRun(t, s, 0)
	return dir, m
}

// TestSampleClassVAE: -class N on a conditional VAE writes the images
// SampleClass gives, which differ from another class's; it is refused for
// an unconditional VAE and for a class the model does not have.
func TestSampleClassVAE(t *testing.T) {
	dir, m := vaeCheckpoint(t, vae.Config{Hidden: []int{32}, Z: 4, Classes: 10})
	var out bytes.Buffer
	read := func(class string) []uint8 {
		idx := filepath.Join(t.TempDir(), "s.idx")
		require.NoError(t, run(context.Background(), []string{"-ckpt", dir, "-class", class, "-n", "30", "-seed", "3", "-o", idx}, &out, &out))
		got, err := datasets.ReadIDX(idx)
		require.NoError(t, err)
		return got.Data
	}
	got := read("7")
	want, err := vae.NewInference(m).SampleClass(30, 7, 3)
	require.NoError(t, err)
	wantBytes := make([]uint8, len(want))
	visual.ToUint8(want, 0, 1, wantBytes)
	require.Equal(t, wantBytes, got)
	require.NotEqual(t, got, read("2"), "the class changes the images")

	idx := filepath.Join(t.TempDir(), "s.idx")
	// Without -class a conditional VAE draws random classes.
	require.NoError(t, run(context.Background(), []string{"-ckpt", dir, "-n", "30", "-o", idx}, &out, &out))
	err = run(context.Background(), []string{"-ckpt", dir, "-class", "10", "-o", idx}, &out, &out)
	require.ErrorContains(t, err, "class 10")

	plain, _ := vaeCheckpoint(t, vae.Config{Hidden: []int{32}, Z: 4})
	err = run(context.Background(), []string{"-ckpt", plain, "-class", "3", "-o", idx}, &out, &out)
	require.ErrorContains(t, err, "not class-conditional")
}
