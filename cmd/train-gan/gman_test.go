package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// TestDryRunDiscriminators: -discriminators 3 trains three Ds and saves
// them all; the checkpoint still loads into a generator.
func TestDryRunDiscriminators(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-dry-run", "-discriminators", "3", "-gman-lambda", "1", "-o", out}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	require.Contains(t, stdout.String(), "trained 1.00 epochs (20 steps)")

	latest, err := checkpoints.Dir{Path: filepath.Join(out, "checkpoints")}.Latest()
	require.NoError(t, err)
	c, err := checkpoints.Load(latest)
	require.NoError(t, err)
	m, err := gan.FromCheckpoint(c)
	require.NoError(t, err)
	require.Equal(t, 3, m.Config.Discriminators)
	require.Equal(t, 1.0, m.Config.GMANLambda)
	require.NotNil(t, m.Discs[2].Params().Find("disc3.fc1.weight"))
	g, err := gan.LoadGenerator(latest)
	require.NoError(t, err)
	imgs, err := g.Generate(2, 1)
	require.NoError(t, err)
	require.Len(t, imgs, 2*784)
}

func TestBadDiscriminators(t *testing.T) {
	for _, args := range [][]string{
		{"-discriminators", "0"},
		{"-discriminators", "2", "-gman-lambda", "-1"},
		{"-discriminators", "2", "-classes", "10"},
	} {
		err := run(context.Background(), append(args, "-dry-run", "-o", t.TempDir()), &bytes.Buffer{}, &bytes.Buffer{})
		var u *cli.UsageError
		require.True(t, errors.As(err, &u), "%v: %v", args, err)
		require.ErrorContains(t, err, args[len(args)-2], "%v", args)
	}
}
