package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
)

// TestResumeKeepsModel: a flag that contradicts the resumed model or its
// data order is an error naming both values, and changes no file; the
// settings not given are the resumed run's.
func TestResumeKeepsModel(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base")
	var log bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "2", "-batch", "32", "-iwae-k", "0", "-o", base}, &log, &log), log.String())

	c, _, err := cli.OpenCheckpoint(base)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(c.Meta.Config, &cfg))
	cfg["arch"] = "../../x"
	c.Meta.Config, err = json.Marshal(cfg)
	require.NoError(t, err)
	hostile := filepath.Join(dir, "hostile", "ckpt.safetensors")
	require.NoError(t, os.MkdirAll(filepath.Dir(hostile), 0o755))
	require.NoError(t, checkpoints.Save(hostile, c))

	tests := []struct {
		name string
		args []string
		want []string // each in the error
	}{
		{"-model", []string{"-model", "conv"}, []string{"-model conv, but -resume " + base, "holds a mlp model"}},
		{"-z", []string{"-z", "2"}, []string{"-z 2, but", "with -z 20"}},
		{"-hidden", []string{"-hidden", "200"}, []string{"-hidden 200, but", "with -hidden 400"}},
		{"-beta", []string{"-beta", "4"}, []string{"-beta 4, but", "with -beta 1"}},
		{"-binarize", []string{"-binarize"}, []string{"-binarize true, but", "with -binarize false"}},
		{"-classes", []string{"-classes", "10"}, []string{"-classes 10, but", "with -classes 0"}},
		{"-label-layers", []string{"-label-layers"}, []string{"-label-layers true, but", "with -label-layers false"}},
		{"-beta-warmup", []string{"-beta-warmup", "5"}, []string{"-beta-warmup 5, but", "with -beta-warmup 0"}},
		{"-batch", []string{"-batch", "128"}, []string{"-batch 128, but", "with -batch 32"}},
		{"-limit", []string{"-limit", "100"}, []string{"-limit 100, but", "with -limit 0"}},
		{"hostile architecture", []string{"-resume", hostile}, []string{`the checkpoint's model has architecture "../../x"`, hostile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := testutil.FileHashes(t, dir)
			err := run(context.Background(), append([]string{"-dry-run", "-steps", "4", "-iwae-k", "0", "-resume", base}, tt.args...), &log, &log)
			require.Error(t, err)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
			require.NotContains(t, err.Error(), "-model \"../../x\"", "names the checkpoint, not a flag that was not given")
			require.NotContains(t, err.Error(), "\n")
			require.Equal(t, before, testutil.FileHashes(t, dir), "nothing written before is changed")
		})
	}

	// Without -batch the run goes on with its own, not the command's default.
	log.Reset()
	require.NoError(t, run(context.Background(), []string{"-steps", "4", "-iwae-k", "0", "-resume", base}, &log, &log), log.String())
	require.Contains(t, log.String(), "resuming at step 2")
	b, err := os.ReadFile(filepath.Join(base, "config.json"))
	require.NoError(t, err)
	var saved struct {
		Flags options `json:"flags"`
	}
	require.NoError(t, json.Unmarshal(b, &saved))
	require.Equal(t, 32, saved.Flags.Batch)
	require.True(t, saved.Flags.DryRun)
	require.Equal(t, []int{400}, saved.Flags.Hidden)
}
