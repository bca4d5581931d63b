package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// TestDryRunGenerators: -generators K trains a mixture, with several
// discriminators or conditional, records K and β in the checkpoint, which
// loads into a generator, and a resumed run keeps them without the flags
// and refuses others.
func TestDryRunGenerators(t *testing.T) {
	for _, c := range []struct {
		args []string
		k    int
		beta float64
	}{
		{[]string{"-generators", "2", "-discriminators", "2"}, 2, 0.01},
		{[]string{"-model", "dcgan", "-generators", "3", "-mgan-beta", "0.5", "-classes", "10", "-batch", "12"}, 3, 0.5},
	} {
		out := filepath.Join(t.TempDir(), "run")
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append(c.args, "-dry-run", "-steps", "4", "-o", out), &stdout, &stderr)
		require.NoError(t, err, "stderr: %s", stderr.String())

		latest, err := checkpoints.Dir{Path: filepath.Join(out, "checkpoints")}.Latest()
		require.NoError(t, err)
		ck, err := checkpoints.Load(latest)
		require.NoError(t, err)
		m, err := gan.FromCheckpoint(ck)
		require.NoError(t, err)
		require.Equal(t, c.k, m.Config.Generators, "%v", c.args)
		require.Equal(t, c.beta, m.Config.MGANBeta, "%v", c.args)
		g, err := gan.LoadGenerator(latest)
		require.NoError(t, err)
		imgs, err := g.Generate(2, 1)
		require.NoError(t, err)
		require.Len(t, imgs, 2*784)
		metrics, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
		require.NoError(t, err)
		require.Contains(t, string(metrics), `"loss_c":`)
		config, err := os.ReadFile(filepath.Join(out, "config.json"))
		require.NoError(t, err)
		require.Contains(t, string(config), `"generators":`)

		stdout.Reset()
		require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "6", "-resume", out}, &stdout, &stderr), stderr.String())
		require.NotContains(t, stdout.String(), "changed generators")
		err = run(context.Background(), []string{"-dry-run", "-steps", "8", "-resume", out, "-generators", "5"}, &stdout, &stderr)
		require.ErrorContains(t, err, "-generators 5, but -resume")
		err = run(context.Background(), []string{"-dry-run", "-steps", "8", "-resume", out, "-mgan-beta", "0.2"}, &stdout, &stderr)
		require.ErrorContains(t, err, "-mgan-beta 0.2, but -resume")
	}
}

func TestBadGenerators(t *testing.T) {
	for _, args := range [][]string{
		{"-generators", "0"},
		{"-generators", "2", "-mgan-beta", "-1"},
	} {
		err := run(context.Background(), append(args, "-dry-run", "-o", t.TempDir()), &bytes.Buffer{}, &bytes.Buffer{})
		var u *cli.UsageError
		require.True(t, errors.As(err, &u), "%v: %v", args, err)
		require.ErrorContains(t, err, args[len(args)-2], "%v", args)
	}
}
