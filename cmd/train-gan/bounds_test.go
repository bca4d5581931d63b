package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// mnistCheckpoint returns a checkpoint of an untrained GAN for 28×28
// images at step, from cfg.
func mnistCheckpoint(t *testing.T, cfg gan.Config, step int64) *checkpoints.Checkpoint {
	t.Helper()
	m, err := gan.New(cfg, 1)
	require.NoError(t, err)
	s, err := gan.NewStep(m, gan.TrainConfig{Batch: 64}, 1)
	require.NoError(t, err)
	c, err := trainer.Checkpoint(s, step, 1, 1, nil)
	require.NoError(t, err)
	return c
}

// TestBounds: sizes at the edges, from flags or from the checkpoint given
// to -resume or -init-from, each end in a one-line error, without the
// gigabytes they ask for being allocated (the MNIST training set, read
// before the model is built, is the largest allocation).
func TestBounds(t *testing.T) {
	negative := filepath.Join(t.TempDir(), "negative.safetensors")
	require.NoError(t, checkpoints.Save(negative, mnistCheckpoint(t, gan.Config{GHidden: []int{8}, DHidden: []int{8}}, -5)))
	nan := testutil.SaveWithNaN(t, mnistCheckpoint(t, gan.Config{}, 10))
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"z 1e9", []string{"-z", "1000000000"}, "gan: the model needs"},
		{"z max", []string{"-z", "9223372036854775807"}, "gan: the model needs"},
		{"classes 1e9", []string{"-classes", "1000000000"}, "gan: the model needs"},
		{"discriminators 1e6", []string{"-discriminators", "1000000"}, "at most 64 discriminators"},
		{"d-pack 1e9", []string{"-d-pack", "1000000000"}, "must be a multiple of -d-pack"},
		{"d-pack 1e9, batch 1e9", []string{"-d-pack", "1000000000", "-batch", "1000000000"}, "larger than the data set"},
		{"dcgan channels 4096", []string{"-model", "dcgan", "-g-channels", "4096,4096"}, "gan: the model needs"},
		{"dcgan channels 1e9", []string{"-model", "dcgan", "-g-channels", "1000000000,1"}, "not a channel count"},
		{"eval-n max", []string{"-eval-n", "9223372036854775807"}, "-eval-n must be from 1 to 1000000"},
		{"epochs max", []string{"-epochs", "9223372036854775807"}, "more steps than an int64 counts"},
		{"max-memory 1KiB", []string{"-max-memory", "1KiB"}, "more than the limit of 1 KiB"},
		{"max-memory junk", []string{"-max-memory", "lots"}, "not a positive size"},
		{"max-memory negative", []string{"-max-memory", "-1GiB"}, "not a positive size"},
		{"resume hidden 1e9", []string{"-resume", testutil.CraftedCheckpoint(t, gan.Kind, `{"g_hidden":[1000000000]}`)}, "gan: the model needs"},
		{"resume d-pack 1e9", []string{"-resume", testutil.CraftedCheckpoint(t, gan.Kind, `{"d_pack":1000000000}`)}, "-d-pack 1000000000"},
		{"resume discriminators 1e6", []string{"-resume", testutil.CraftedCheckpoint(t, gan.Kind, `{"discriminators":1000000}`)}, "at most 64 discriminators"},
		{"resume negative step", []string{"-resume", negative}, "step -5"},
		{"resume NaN", []string{"-resume", nan}, "holds NaN"},
		{"init-from NaN", []string{"-init-from", nan}, "holds NaN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"-o", filepath.Join(t.TempDir(), "run")}, c.args...)
			var err error
			alloc := testutil.Allocated(func() { err = run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}) })
			require.ErrorContains(t, err, c.want)
			var stderr bytes.Buffer
			require.NotZero(t, cli.Exit(&stderr, "train-gan", err))
			line, _, _ := strings.Cut(stderr.String(), "\n")
			t.Log(line)
			require.NotContains(t, err.Error(), "\n")
			require.Less(t, alloc, uint64(1<<30), "refused only after allocating")
		})
	}
}

// TestMemoryHint: an error a larger -max-memory avoids says so.
func TestMemoryHint(t *testing.T) {
	err := run(context.Background(), []string{"-o", filepath.Join(t.TempDir(), "run"), "-z", "1000000000"}, &bytes.Buffer{}, &bytes.Buffer{})
	var stderr bytes.Buffer
	require.Equal(t, 1, cli.Exit(&stderr, "train-gan", err))
	require.Regexp(t, `^train-gan: gan: the model needs .* more than the limit of 4 GiB \(-max-memory raises the limit\)\n$`, stderr.String())
}
