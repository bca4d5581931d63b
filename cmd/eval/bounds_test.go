package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/zoo/classifier"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// TestBounds: counts at the edges, and checkpoints or classifiers asking
// for absurd models or holding NaN weights, each end in a one-line error
// before any sample is drawn and without the memory they ask for being
// allocated (the MNIST test set and the classifier are the largest
// allocations).
func TestBounds(t *testing.T) {
	m, err := gan.New(gan.Config{GHidden: []int{8}, DHidden: []int{8}}, 1)
	require.NoError(t, err)
	s, err := gan.NewStep(m, gan.TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	small, _ := testutil.SaveRun(t, s, 3)
	c, err := trainer.Checkpoint(s, 3, 0, 1, nil)
	require.NoError(t, err)
	nanGAN := testutil.SaveWithNaN(t, c)
	clf, err := classifier.New(classifier.Config{}, 1)
	require.NoError(t, err)
	weights, err := classifier.Weights(clf, checkpoints.Meta{})
	require.NoError(t, err)
	nanClf := testutil.SaveWithNaN(t, weights)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"n 1e9", []string{"-noise", "-n", "1000000000"}, "-n must be from 1 to 1000000"},
		{"n max", []string{"-ckpt", small, "-n", "9223372036854775807"}, "-n must be from 1 to 1000000"},
		{"k 1e6", []string{"-noise", "-k", "1000000", "-n", "1000000"}, "-k must be from 1 to 9999"},
		{"k 1e6, few samples", []string{"-ckpt", small, "-k", "1000000"}, "-k must be from 1 to 9999"},
		{"k above ref-n", []string{"-noise", "-k", "50", "-ref-n", "50"}, "-ref-n 50 must exceed -k 50"},
		{"iwae-k 1e9", []string{"-ckpt", small, "-iwae-k", "1000000000"}, "-iwae-k"},
		{"max-memory 1KiB", []string{"-ckpt", small, "-max-memory", "1KiB"}, "more than the limit of 1 KiB"},
		{"ckpt gan hidden 1e9", []string{"-ckpt", testutil.CraftedCheckpoint(t, gan.Kind, `{"g_hidden":[1000000000]}`)}, "gan: the model needs"},
		{"ckpt gan classes 1e9", []string{"-ckpt", testutil.CraftedCheckpoint(t, gan.Kind, `{"classes":1000000000}`)}, "gan: the model needs"},
		{"ckpt NaN", []string{"-ckpt", nanGAN}, "holds NaN"},
		{"classifier classes 1e9", []string{"-noise", "-classifier", testutil.CraftedCheckpoint(t, classifier.Kind, `{"classes":1000000000}`)}, "classifier: the model needs"},
		{"classifier channels max", []string{"-noise", "-classifier", testutil.CraftedCheckpoint(t, classifier.Kind, `{"channels":[9223372036854775807]}`)}, "classifier: the model needs"},
		{"classifier NaN", []string{"-noise", "-classifier", nanClf}, "holds NaN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			alloc := testutil.Allocated(func() { err = run(context.Background(), c.args, &bytes.Buffer{}, &bytes.Buffer{}) })
			require.ErrorContains(t, err, c.want)
			t.Log(err)
			require.NotContains(t, err.Error(), "\n")
			require.Less(t, alloc, uint64(512<<20), "refused only after allocating")
		})
	}
}
