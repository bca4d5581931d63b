package testutil

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// SaveRun writes m as a training run does after step steps (epoch 0,
// seed 1): a checkpoint in the checkpoints folder of a new temporary run
// folder. It returns the run folder, which the commands and loaders
// accept, and the checkpoint file.
func SaveRun(t testing.TB, m trainer.Model, step int64) (dir, file string) {
	t.Helper()
	c, err := trainer.Checkpoint(m, step, 0, 1, nil)
	require.NoError(t, err)
	dir = t.TempDir()
	file, err = checkpoints.Dir{Path: filepath.Join(dir, "checkpoints")}.Save(c)
	require.NoError(t, err)
	return dir, file
}

// SaveFile writes m's checkpoint after step steps (epoch 0, seed 1) to a
// file in a new temporary folder and returns the file's path.
func SaveFile(t testing.TB, m trainer.Model, step int64) string {
	t.Helper()
	c, err := trainer.Checkpoint(m, step, 0, 1, nil)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "model.safetensors")
	require.NoError(t, checkpoints.Save(path, c))
	return path
}
