package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/internal/cli"
)

// TestTableBothModels runs the command for real on MNIST with a tiny
// budget and checks that the table has a sane row for each model.
func TestTableBothModels(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-steps", "3", "-repeats", "1", "-warmup", "1", "-peer", "off"}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	out := stdout.String()
	require.Contains(t, out, "| model | batch | images/s |")
	for _, m := range []string{"| MLP GAN | 64 |", "| MLP VAE | 128 |"} {
		require.Contains(t, out, m)
	}
	require.Contains(t, out, "load average before")
	require.Contains(t, out, "note: PyTorch peer off")
	require.Equal(t, 2, strings.Count(out, "| n/a | n/a |"), out)
}

// TestJSONAndMissingPython checks that -peer auto degrades to n/a and a
// note when the interpreter does not exist, and that -json reports
// positive speeds.
func TestJSONAndMissingPython(t *testing.T) {
	var stdout, stderr bytes.Buffer
	missing := filepath.Join(t.TempDir(), "no-python")
	err := run(context.Background(), []string{"-steps", "2", "-repeats", "1", "-warmup", "0", "-models", "gan",
		"-python", missing, "-peer-dir", t.TempDir(), "-json"}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	var rep report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
	require.Len(t, rep.Rows, 1)
	r := rep.Rows[0]
	require.Equal(t, "MLP GAN", r.Model)
	require.Greater(t, r.ImagesPerS, 0.0)
	require.Greater(t, r.AllocsPerStep, 0.0)
	require.Greater(t, r.PeakRSSMiB, 0.0)
	require.Nil(t, r.PeerImagesPS)
	require.Len(t, rep.Notes, 1)
	require.Contains(t, rep.Notes[0], "PyTorch peer n/a")
}

// TestPeerOnFailsWithoutTorch: asking for the peer explicitly must fail
// loudly instead of printing a table without it.
func TestPeerOnFailsWithoutTorch(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-peer", "on", "-peer-dir", t.TempDir()}, &stdout, &stderr)
	require.ErrorContains(t, err, "-peer on")
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-steps", "0"}, {"-models", "gan,cnn"}, {"-peer", "maybe"}, {"-repeats", "-1"}} {
		_, err := parse(args, &bytes.Buffer{})
		var u *cli.UsageError
		require.ErrorAs(t, err, &u, "%v", args)
	}
}

func TestParseImagesPerS(t *testing.T) {
	v, err := parseImagesPerS("ep 1 step 100 loss_d=1\ntrain_wall_s=3.1 steps=340\nsteps_per_s=131.25 images_per_s=8400.0\n")
	require.NoError(t, err)
	require.InDelta(t, 8400.0, v, 1e-9)
	v, err = parseImagesPerS("final test_loss=126.9 iwae_nll=nan steps_per_s=100.00 images_per_s=12800.0")
	require.NoError(t, err)
	require.InDelta(t, 12800.0, v, 1e-9)
	for _, bad := range []string{"", "steps_per_s=nan images_per_s=nan  (need more than 20 steps)", "images_per_s=12\ndone"} {
		_, err := parseImagesPerS(bad)
		require.Error(t, err, "%q", bad)
	}
}

func TestMedian(t *testing.T) {
	require.Equal(t, 2.0, median([]float64{3, 1, 2}))
	require.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
}
