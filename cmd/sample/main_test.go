package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/visual"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// ganCheckpoint saves an untrained MNIST GAN in a run folder and returns
// the folder.
func ganCheckpoint(t *testing.T) string {
	t.Helper()
	dir, _ := ganRun(t, gan.Config{})
	return dir
}

// ganRun saves an untrained GAN of cfg in a run folder and returns the
// folder and the model.
func ganRun(t *testing.T, cfg gan.Config) (string, *gan.Model) {
	t.Helper()
	m, err := gan.New(cfg, 1)
	require.NoError(t, err)
	s, err := gan.NewStep(m, gan.TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	dir, _ := testutil.SaveRun(t, s, 0)
	return dir, m
}

func TestSampleIDXAndPNG(t *testing.T) {
	run1 := ganCheckpoint(t)
	idx := filepath.Join(t.TempDir(), "s.idx")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-ckpt", run1, "-n", "250", "-o", idx}, &out, &out))
	m, err := datasets.ReadIDX(idx)
	require.NoError(t, err)
	require.Equal(t, []int{250, 28, 28}, m.Dims)

	again := filepath.Join(t.TempDir(), "s.idx")
	require.NoError(t, run(context.Background(), []string{"-ckpt", run1, "-n", "250", "-o", again}, &out, &out))
	m2, err := datasets.ReadIDX(again)
	require.NoError(t, err)
	require.Equal(t, m.Data, m2.Data, "same seed, same samples")

	pngPath := filepath.Join(t.TempDir(), "g.png")
	require.NoError(t, run(context.Background(), []string{"-ckpt", run1, "-n", "16", "-o", pngPath, "-scale", "1"}, &out, &out))
	img := testutil.DecodePNG(t, pngPath)
	require.Equal(t, 4*28+5*2, img.Bounds().Dx())
}

func TestSampleErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	require.NoError(t, os.WriteFile(bad, []byte("not a checkpoint"), 0o644))
	cases := []struct {
		args []string
		want string
	}{
		{[]string{}, "-ckpt"},
		{[]string{"-ckpt", "/no/such/ckpt"}, "/no/such/ckpt"},
		{[]string{"-ckpt", bad}, "bad.safetensors"},
		{[]string{"-ckpt", t.TempDir()}, "no checkpoint"},
		{[]string{"-ckpt", bad, "-o", "x.jpg"}, ".idx or .png"},
		{[]string{"-ckpt", bad, "-n", "0"}, "-n"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		err := run(context.Background(), c.args, &out, &out)
		require.Error(t, err, "%v", c.args)
		require.Contains(t, err.Error(), c.want, "%v", c.args)
	}
}

// TestSampleVAE: a VAE checkpoint, MLP or conv, samples by decoding prior
// draws, the same images Inference.Sample gives for the seed.
func TestSampleVAE(t *testing.T) {
	for _, cfg := range []vae.Config{
		{Hidden: []int{32}, Z: 4},
		{Arch: vae.ArchConv, Channels: []int{4, 8}, Hidden: []int{16}, Z: 4},
	} {
		m, err := vae.New(cfg, 1)
		require.NoError(t, err)
		s, err := vae.NewStep(m, vae.TrainConfig{Batch: 8}, 1)
		require.NoError(t, err)
		dir, _ := testutil.SaveRun(t, s, 0)

		idx := filepath.Join(t.TempDir(), "s.idx")
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"-ckpt", dir, "-n", "30", "-seed", "4", "-o", idx}, &out, &out))
		got, err := datasets.ReadIDX(idx)
		require.NoError(t, err)
		require.Equal(t, []int{30, 28, 28}, got.Dims)
		want, err := vae.NewInference(m).Sample(30, 4)
		require.NoError(t, err)
		wantBytes := make([]uint8, len(want))
		visual.ToUint8(want, 0, 1, wantBytes)
		require.Equal(t, wantBytes, got.Data)

		pngPath := filepath.Join(t.TempDir(), "g.png")
		require.NoError(t, run(context.Background(), []string{"-ckpt", dir, "-n", "9", "-o", pngPath}, &out, &out))
		_, err = os.Stat(pngPath)
		require.NoError(t, err)
	}
}

// TestSampleCancelled: a cancelled context (Ctrl-C) stops sampling with the
// context's error and writes nothing.
func TestSampleCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(t.TempDir(), "s.idx")
	var log bytes.Buffer
	err := run(ctx, []string{"-ckpt", ganCheckpoint(t), "-n", "5000", "-o", out}, &log, &log)
	require.ErrorIs(t, err, context.Canceled)
	require.NoFileExists(t, out)
}
