package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// TestBounds: counts and scales at the edges, and checkpoints asking for
// absurd models or holding NaN weights, each end in a one-line error
// without the memory they ask for being allocated, and leave no file.
func TestBounds(t *testing.T) {
	good := ganCheckpoint(t)
	m, err := gan.New(gan.Config{}, 1)
	require.NoError(t, err)
	s, err := gan.NewStep(m, gan.TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	c, err := trainer.Checkpoint(s, 0, 0, 1, nil)
	require.NoError(t, err)
	nan := testutil.SaveWithNaN(t, c)
	small := smallCheckpoint(t, 0)
	for _, c := range []struct {
		name string
		args []string
		out  string
		want string
	}{
		{"n 1e9", []string{"-ckpt", good, "-n", "1000000000"}, "s.idx", "-n must be from 1 to 1000000"},
		{"n max", []string{"-ckpt", good, "-n", "9223372036854775807"}, "s.idx", "-n must be from 1 to 1000000"},
		{"scale 200", []string{"-ckpt", good, "-scale", "200"}, "g.png", "-scale must be from 1 to 64"},
		{"scale 64, 10000 images", []string{"-ckpt", good, "-scale", "64", "-n", "10000"}, "g.png", "the 3002x3002 grid would be too large to draw"},
		{"max-memory 1KiB", []string{"-ckpt", good, "-max-memory", "1KiB"}, "g.png", "more than the limit of 1 KiB"},
		{"max-memory 8MiB, 1e6 images", []string{"-ckpt", small, "-max-memory", "8MiB", "-n", "1000000"}, "s.idx", "1000000 images need 3.3 GiB"},
		{"gan hidden 1e9", []string{"-ckpt", testutil.CraftedCheckpoint(t, gan.Kind, `{"g_hidden":[1000000000]}`)}, "g.png", "gan: the model needs"},
		{"gan d pack 1e9", []string{"-ckpt", testutil.CraftedCheckpoint(t, gan.Kind, `{"d_pack":1000000000}`)}, "g.png", "gan: the model needs"},
		{"gan discriminators 1e6", []string{"-ckpt", testutil.CraftedCheckpoint(t, gan.Kind, `{"discriminators":1000000}`)}, "g.png", "at most 64 discriminators"},
		{"gan image max", []string{"-ckpt", testutil.CraftedCheckpoint(t, gan.Kind, `{"height":9223372036854775807,"width":2}`)}, "g.png", "gan: the model needs"},
		{"vae hidden 65536 x3", []string{"-ckpt", testutil.CraftedCheckpoint(t, vae.Kind, `{"hidden":[65536,65536,65536]}`)}, "g.png", "vae: the model needs"},
		{"vae z negative", []string{"-ckpt", testutil.CraftedCheckpoint(t, vae.Kind, `{"z":-3}`)}, "g.png", "must be positive"},
		{"NaN weights", []string{"-ckpt", nan}, "g.png", "holds NaN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"-o", filepath.Join(dir, c.out)}, c.args...)
			var err error
			alloc := testutil.Allocated(func() { err = run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}) })
			require.ErrorContains(t, err, c.want)
			t.Log(err)
			require.NotContains(t, err.Error(), "\n")
			require.Less(t, alloc, uint64(256<<20), "refused only after allocating")
			left, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Empty(t, left, "files left behind")
		})
	}
}

// TestNegativeStepSamples: a checkpoint's step is only metadata to sample:
// a negative one does not stop it drawing.
func TestNegativeStepSamples(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.idx")
	require.NoError(t, run(context.Background(), []string{"-ckpt", smallCheckpoint(t, -5), "-n", "3", "-o", out}, &bytes.Buffer{}, &bytes.Buffer{}))
}

// smallCheckpoint saves a small GAN at step and returns the file.
func smallCheckpoint(t *testing.T, step int64) string {
	t.Helper()
	m, err := gan.New(gan.Config{GHidden: []int{8}, DHidden: []int{8}}, 1)
	require.NoError(t, err)
	s, err := gan.NewStep(m, gan.TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	c, err := trainer.Checkpoint(s, step, 0, 1, nil)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "small.safetensors")
	require.NoError(t, checkpoints.Save(path, c))
	return path
}
