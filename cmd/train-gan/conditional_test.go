package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// TestDryRunConditional: -classes 10 trains a conditional GAN on MNIST's
// labels, writes a class-per-column preview and a checkpoint that draws
// chosen digits.
func TestDryRunConditional(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-dry-run", "-classes", "10", "-o", out}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	require.Contains(t, stdout.String(), "trained 1.00 epochs (20 steps)")

	f, err := os.Open(filepath.Join(out, "samples.png"))
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	// 10 columns × 8 rows of 28×28 images with 2-pixel borders, at any scale.
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	require.Equal(t, w*(8*28+9*2), h*(10*28+11*2), "grid %dx%d is not 10 columns by 8 rows", w, h)

	latest, err := checkpoints.Dir{Path: filepath.Join(out, "checkpoints")}.Latest()
	require.NoError(t, err)
	g, err := gan.LoadGenerator(latest)
	require.NoError(t, err)
	require.Equal(t, 10, g.Config().Classes)
	imgs, err := g.GenerateClass(3, 7, 1)
	require.NoError(t, err)
	require.Len(t, imgs, 3*784)
}

func TestBadClasses(t *testing.T) {
	err := run(context.Background(), []string{"-dry-run", "-classes", "-1"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.ErrorContains(t, err, "-classes")
	// MNIST's labels go up to 9.
	err = run(context.Background(), []string{"-dry-run", "-classes", "5", "-o", filepath.Join(t.TempDir(), "run")}, &bytes.Buffer{}, &bytes.Buffer{})
	require.ErrorContains(t, err, "has label")
}
