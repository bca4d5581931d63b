package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// TestBounds: sizes at the edges, from flags or from the checkpoint given
// to -resume, -ckpt or -init-from, each end in a one-line error without
// the memory they ask for being allocated (the MNIST sets, read before
// the model is built, are the largest allocation).
func TestBounds(t *testing.T) {
	m, err := vae.New(vae.Config{}, 1)
	require.NoError(t, err)
	s, err := vae.NewStep(m, vae.TrainConfig{Batch: 128}, 1)
	require.NoError(t, err)
	c, err := trainer.Checkpoint(s, -5, 1, 1, nil)
	require.NoError(t, err)
	negative := filepath.Join(t.TempDir(), "negative.safetensors")
	require.NoError(t, checkpoints.Save(negative, c))
	c.Meta.Step = 10
	nan := testutil.SaveWithNaN(t, c)
	huge := testutil.CraftedCheckpoint(t, vae.Kind, `{"hidden":[65536,65536,65536]}`)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"hidden 65536 x3", []string{"-hidden", "65536,65536,65536"}, "vae: the model needs"},
		{"hidden 1e9", []string{"-hidden", "1000000000"}, "not a whole number from 1 to 65536"},
		{"z max", []string{"-z", "9223372036854775807"}, "vae: the model needs"},
		{"classes 1e9", []string{"-classes", "1000000000"}, "classes must be from 0"},
		{"iwae-k 1e9", []string{"-iwae-k", "1000000000"}, "-iwae-k"},
		{"eval-n max", []string{"-eval-n", "9223372036854775807"}, "-eval-n must be from 1 to 1000000"},
		{"epochs max", []string{"-epochs", "9223372036854775807"}, "more steps than an int64 counts"},
		{"max-memory 1KiB", []string{"-max-memory", "1KiB"}, "more than the limit of 1 KiB"},
		{"resume hidden 65536 x3", []string{"-resume", huge}, "vae: the model needs"},
		{"ckpt hidden 65536 x3", []string{"-ckpt", huge}, "vae: the model needs"},
		{"resume negative step", []string{"-resume", negative}, "step -5"},
		{"resume NaN", []string{"-resume", nan}, "holds NaN"},
		{"ckpt NaN", []string{"-ckpt", nan}, "holds NaN"},
		{"init-from NaN", []string{"-init-from", nan}, "holds NaN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"-o", filepath.Join(t.TempDir(), "run"), "-eval-every", "-1"}, c.args...)
			var err error
			alloc := testutil.Allocated(func() { err = run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}) })
			require.ErrorContains(t, err, c.want)
			t.Log(err)
			require.NotContains(t, err.Error(), "\n")
			require.Less(t, alloc, uint64(1<<30), "refused only after allocating")
		})
	}
}
