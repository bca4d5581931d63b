package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
)

// resumedRecord returns the "resumed" record of a run's metrics.jsonl.
func resumedRecord(t *testing.T, out string) map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(out, "metrics.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var found map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec))
		if rec["resumed"] == true {
			found = rec
		}
	}
	require.NoError(t, sc.Err())
	require.NotNil(t, found, "metrics.jsonl has a resumed record")
	return found
}

// TestRunFolderProtected: what would overwrite, mix or lose another run's
// files is refused with one line, and changes no file of the run.
func TestRunFolderProtected(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base")
	var log bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "4", "-ckpt-every", "2", "-o", base}, &log, &log), log.String())
	older := filepath.Join(base, "checkpoints", "ckpt-000000002.safetensors")

	// A checkpoint whose architecture is no recipe.
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
		{"new run on an existing run", []string{"-dry-run", "-steps", "2", "-o", base},
			[]string{"-o " + base + " already holds a run", "continue it with -resume " + base}},
		{"resume an older checkpoint in its folder", []string{"-dry-run", "-steps", "6", "-resume", older},
			[]string{"is at step 2", "ckpt-000000004.safetensors", "-o NEW_FOLDER"}},
		{"hostile architecture", []string{"-dry-run", "-steps", "6", "-resume", hostile},
			[]string{`the checkpoint's model has architecture "../../x"`, hostile}},
		{"-model", []string{"-model", "dcgan"}, []string{"-model dcgan, but -resume " + base, "holds a mlp model"}},
		{"-z", []string{"-z", "64"}, []string{"-z 64, but -resume " + base, "was trained with -z 100"}},
		{"-classes", []string{"-classes", "10"}, []string{"-classes 10, but", "with -classes 0"}},
		{"-d-pack", []string{"-d-pack", "4"}, []string{"-d-pack 4, but", "with -d-pack 2"}},
		{"-discriminators", []string{"-discriminators", "2"}, []string{"-discriminators 2, but", "with -discriminators 1"}},
		{"-ema", []string{"-ema", "0.5"}, []string{"-ema 0.5, but", "with -ema 0.999"}},
		{"-d-dropout", []string{"-d-dropout", "0.1"}, []string{"-d-dropout 0.1, but", "with -d-dropout 0.3"}},
		{"-d-slope", []string{"-d-slope", "0.3"}, []string{"-d-slope 0.3, but", "with -d-slope 0.2"}},
		{"-d-minibatch-std", []string{"-d-minibatch-std"}, []string{"-d-minibatch-std true, but", "with -d-minibatch-std false"}},
		{"-gman-lambda", []string{"-gman-lambda", "2"}, []string{"-gman-lambda 2, but", "with -gman-lambda 0"}},
		{"-batch", []string{"-batch", "32"}, []string{"-batch 32, but", "with -batch 64"}},
		{"-digits", []string{"-digits", "1,2"}, []string{"-digits 1,2, but", `with -digits ""`}},
		{"-limit", []string{"-limit", "100"}, []string{"-limit 100, but", "with -limit 0"}},
		{"-data", []string{"-data", dir}, []string{"-data " + dir + ", but", `with -data ""`}},
		{"-seed", []string{"-seed", "7"}, []string{"-seed 7, but", "with -seed 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args[0] != "-dry-run" { // a contradicting flag on resume
				args = append([]string{"-dry-run", "-steps", "6", "-resume", base}, args...)
			}
			before := testutil.FileHashes(t, dir)
			err := run(context.Background(), args, &log, &log)
			require.Error(t, err)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
			require.NotContains(t, err.Error(), "\n")
			require.Equal(t, before, testutil.FileHashes(t, dir), "nothing written before is changed")
		})
	}
}

// TestSecondWriter: a run on a folder another process writes fails at
// start with the holder's PID.
func TestSecondWriter(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	holder := cli.RunFlags{Out: out}
	folder, err := holder.OpenRun("gan", &bytes.Buffer{})
	require.NoError(t, err)
	defer folder.Close(false)
	before := testutil.FileHashes(t, out)
	var log bytes.Buffer
	err = run(context.Background(), []string{"-dry-run", "-steps", "2", "-o", out}, &log, &log)
	require.ErrorContains(t, err, "in use by process "+strconv.Itoa(os.Getpid()))
	require.Equal(t, before, testutil.FileHashes(t, out))
}

// TestFailedStartLeavesNoFolder: a run that fails after creating its
// folder, before training, removes it.
func TestFailedStartLeavesNoFolder(t *testing.T) {
	top := filepath.Join(t.TempDir(), "new")
	var log bytes.Buffer
	err := run(context.Background(), []string{"-dry-run", "-steps", "2", "-freeze", "nosuch", "-o", filepath.Join(top, "run")}, &log, &log)
	require.ErrorContains(t, err, `-freeze: "nosuch" matches no trained parameter`)
	_, err = os.Stat(top)
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestResumeChanges: a resumed run applies a new learning rate and
// records it in metrics.jsonl and config.json; an older checkpoint
// branches into a new folder, leaving the old one as it was.
func TestResumeChanges(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base")
	var log bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "4", "-ckpt-every", "2", "-o", base}, &log, &log), log.String())
	before := testutil.FileHashes(t, base)
	older := filepath.Join(base, "checkpoints", "ckpt-000000002.safetensors")

	same, changed := filepath.Join(dir, "same"), filepath.Join(dir, "changed")
	log.Reset()
	require.NoError(t, run(context.Background(), []string{"-steps", "6", "-resume", older, "-o", same}, &log, &log), log.String())
	require.Contains(t, log.String(), "resuming at step 2")
	require.NotContains(t, log.String(), "lr 0.0002")
	log.Reset()
	require.NoError(t, run(context.Background(), []string{"-steps", "6", "-lr", "1e-4", "-resume", older, "-o", changed}, &log, &log), log.String())
	require.Contains(t, log.String(), "resume: changed ckpt_every 2 → 0, lr 0.0002 → 0.0001, steps 4 → 6 (recorded in metrics.jsonl at step 2)")
	require.Equal(t, before, testutil.FileHashes(t, base), "branching leaves the old run as it was")

	rec := resumedRecord(t, changed)
	require.EqualValues(t, 2, rec["step"])
	require.Equal(t, map[string]any{"from": 0.0002, "to": 0.0001}, rec["changed"].(map[string]any)["lr"])
	require.NotContains(t, resumedRecord(t, same)["changed"], "lr")
	b, err := os.ReadFile(filepath.Join(changed, "config.json"))
	require.NoError(t, err)
	require.Contains(t, string(b), `"lr": 0.0001`)
	require.Contains(t, string(b), `"dry_run": true`, "the data order's settings are the resumed run's")

	// The new rate is applied: the parameters part from the unchanged run's.
	a, _, err := cli.OpenCheckpoint(same)
	require.NoError(t, err)
	c, _, err := cli.OpenCheckpoint(changed)
	require.NoError(t, err)
	require.EqualValues(t, 6, c.Meta.Step)
	ta, _ := a.Find("gen.fc1.weight")
	tc, ok := c.Find("gen.fc1.weight")
	require.True(t, ok)
	require.NotEqual(t, ta.Data, tc.Data)
}
