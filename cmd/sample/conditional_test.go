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
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// TestSampleClass: -class N on a conditional GAN writes the images
// GenerateClass gives; it is refused for an unconditional GAN or a class
// the model does not have.
func TestSampleClass(t *testing.T) {
	var out bytes.Buffer
	idx := filepath.Join(t.TempDir(), "s.idx")
	var dir string
	for _, cfg := range []gan.Config{
		{Arch: "dcgan", Classes: 10, GChannels: []int{8, 8}, DChannels: []int{8, 8}},
		{Arch: "sagan", Classes: 10, GChannels: []int{8, 8}, DChannels: []int{8, 8}},
		{Classes: 10}, // last: the model the rest of the test uses
	} {
		m, err := gan.New(cfg, 1)
		require.NoError(t, err)
		s, err := gan.NewStep(m, gan.TrainConfig{Batch: 8}, 1)
		require.NoError(t, err)
		dir, _ = testutil.SaveRun(t, s, 0)

		require.NoError(t, run(context.Background(), []string{"-ckpt", dir, "-class", "7", "-n", "30", "-seed", "3", "-o", idx}, &out, &out))
		got, err := datasets.ReadIDX(idx)
		require.NoError(t, err)
		want, err := gan.NewGenerator(m).GenerateClass(30, 7, 3)
		require.NoError(t, err)
		wantBytes := make([]uint8, len(want))
		visual.ToUint8(want, 0, 1, wantBytes)
		require.Equal(t, wantBytes, got.Data, cfg.Arch)
	}

	// Without -class a conditional GAN draws random classes.
	require.NoError(t, run(context.Background(), []string{"-ckpt", dir, "-n", "30", "-seed", "3", "-o", idx}, &out, &out))

	err := run(context.Background(), []string{"-ckpt", dir, "-class", "-2", "-o", idx}, &out, &out)
	require.ErrorContains(t, err, "-class -2")
	err = run(context.Background(), []string{"-ckpt", dir, "-class", "10", "-o", idx}, &out, &out)
	require.ErrorContains(t, err, "class 10")
	err = run(context.Background(), []string{"-ckpt", ganCheckpoint(t), "-class", "3", "-o", idx}, &out, &out)
	require.ErrorContains(t, err, "not class-conditional")
}
