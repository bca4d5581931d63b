package cli

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/internal/testutil"
)

// writeFiles creates files (path relative to dir → content).
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
}

// endedPID returns the ID of a process that has ended.
func endedPID(t *testing.T) int {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^$")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

// TestOpenRun: a new run refuses a folder holding a run, a resumed run
// refuses another run's folder and its own from an older checkpoint; each
// refusal is one line and changes no file.
func TestOpenRun(t *testing.T) {
	run := map[string]string{"config.json": `{"flags":{}}`, "metrics.jsonl": `{"step":1}` + "\n",
		"checkpoints/ckpt-000000010.safetensors": "ten", "checkpoints/ckpt-000000020.safetensors": "twenty"}
	tests := []struct {
		name    string
		files   map[string]string // in the folder before
		flags   func(dir string) RunFlags
		wantErr string // "" for success
	}{
		{"new folder", nil, func(dir string) RunFlags { return RunFlags{Out: filepath.Join(dir, "new")} }, ""},
		{"existing empty folder", nil, func(dir string) RunFlags { return RunFlags{Out: dir} }, ""},
		{"folder with other files", map[string]string{"notes.txt": "x"}, func(dir string) RunFlags { return RunFlags{Out: dir} }, ""},
		{"existing run", run, func(dir string) RunFlags { return RunFlags{Out: dir} },
			"already holds a run (it has config.json); continue it with -resume"},
		{"existing run, only metrics", map[string]string{"metrics.jsonl": "{}\n"}, func(dir string) RunFlags { return RunFlags{Out: dir} },
			"already holds a run (it has metrics.jsonl)"},
		{"a file, not a folder", map[string]string{"file": "x"}, func(dir string) RunFlags { return RunFlags{Out: filepath.Join(dir, "file")} },
			"is not a folder"},
		{"resume the latest in place", run, func(dir string) RunFlags {
			ckpt := filepath.Join(dir, "checkpoints", "ckpt-000000020.safetensors")
			return RunFlags{Out: dir, Resume: ckpt, resumeDir: dir, Start: 20}
		}, ""},
		{"resume an older checkpoint in place", run, func(dir string) RunFlags {
			ckpt := filepath.Join(dir, "checkpoints", "ckpt-000000010.safetensors")
			return RunFlags{Out: dir, Resume: ckpt, resumeDir: dir, Start: 10}
		}, "holds a later checkpoint, ckpt-000000020.safetensors, which continuing there would delete; give -o NEW_FOLDER to branch from step 10"},
		{"resume an older checkpoint into a new folder", run, func(dir string) RunFlags {
			ckpt := filepath.Join(dir, "checkpoints", "ckpt-000000010.safetensors")
			return RunFlags{Out: filepath.Join(dir, "branch"), Resume: ckpt, resumeDir: dir, Start: 10}
		}, ""},
		{"resume into another run", map[string]string{"a/config.json": "{}", "a/checkpoints/ckpt-000000010.safetensors": "a", "b/config.json": "{}"},
			func(dir string) RunFlags {
				ckpt := filepath.Join(dir, "a", "checkpoints", "ckpt-000000010.safetensors")
				return RunFlags{Out: filepath.Join(dir, "b"), Resume: ckpt, resumeDir: filepath.Join(dir, "a"), Start: 10}
			}, "already holds another run (it has config.json)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			before := testutil.FileHashes(t, dir)
			r := tt.flags(dir)
			var stdout bytes.Buffer
			run, err := r.OpenRun("gan", &stdout)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.NotContains(t, err.Error(), "\n")
				require.Equal(t, before, testutil.FileHashes(t, dir), "a refused run changes nothing")
				_, err := os.Stat(filepath.Join(r.Out, LockFile))
				require.Error(t, err, "no lock is left")
				return
			}
			require.NoError(t, err)
			require.Equal(t, r.Out, run.Dir)
			b, err := os.ReadFile(filepath.Join(run.Dir, LockFile))
			require.NoError(t, err)
			require.Equal(t, strconv.Itoa(os.Getpid())+"\n", string(b))
			run.Close(false)
			require.Equal(t, before, testutil.FileHashes(t, dir), "opening and closing a run folder changes nothing")
			_, err = os.Stat(run.Dir)
			require.NoError(t, err, "a run that did not fail keeps its folder")
		})
	}
}

// TestOpenRunDefaultFolder: without -o a run gets runs/<prefix>-<time>,
// or a numbered sibling when that is taken.
func TestOpenRunDefaultFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	var first, second RunFlags
	a, err := first.OpenRun("vae", &bytes.Buffer{})
	require.NoError(t, err)
	defer a.Close(false)
	require.Regexp(t, `^runs/vae-\d{8}-\d{6}$`, filepath.ToSlash(a.Dir))
	require.NoError(t, os.Rename(a.Dir, a.Dir+"-keep"))
	require.NoError(t, os.Mkdir(a.Dir, 0o755))
	b, err := second.OpenRun("vae", &bytes.Buffer{})
	require.NoError(t, err)
	defer b.Close(false)
	if b.Dir != a.Dir { // the clock may have moved on
		require.Regexp(t, `^runs/vae-\d{8}-\d{6}(-2)?$`, filepath.ToSlash(b.Dir))
	}
	require.NotEqual(t, a.Dir, b.Dir)
}

// TestOpenRunLocked: a second writer fails at start naming the holder's
// PID; a lock left by an ended process is taken over, with a message.
func TestOpenRunLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	first := RunFlags{Out: dir}
	holder, err := first.OpenRun("gan", &bytes.Buffer{})
	require.NoError(t, err)
	before := testutil.FileHashes(t, dir)

	second := RunFlags{Out: dir}
	_, err = second.OpenRun("gan", &bytes.Buffer{})
	require.ErrorContains(t, err, "the run folder is in use by process "+strconv.Itoa(os.Getpid()))
	require.Equal(t, before, testutil.FileHashes(t, dir), "the second writer changes nothing, the lock included")
	holder.Close(false)

	pid := endedPID(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, LockFile), []byte(strconv.Itoa(pid)+"\n"), 0o644))
	var stdout bytes.Buffer
	third := RunFlags{Out: dir}
	run, err := third.OpenRun("gan", &stdout)
	require.NoError(t, err)
	require.Contains(t, stdout.String(), "taking over the lock of process "+strconv.Itoa(pid)+", which has ended")
	run.Close(false)
	_, err = os.Stat(filepath.Join(dir, LockFile))
	require.ErrorIs(t, err, fs.ErrNotExist, "Close removes the lock")
}

// TestCloseFailed: a run that fails before training leaves no folder it
// created (nor the parents it created); one with output keeps it.
func TestCloseFailed(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		wantGone bool
	}{
		{"nothing written", nil, true},
		{"config.json and empty files", map[string]string{"config.json": "{}", "metrics.jsonl": "", "checkpoints/.keep": ""}, true},
		{"metrics written", map[string]string{"config.json": "{}", "metrics.jsonl": `{"step":5}` + "\n"}, false},
		{"a checkpoint", map[string]string{"checkpoints/ckpt-000000001.safetensors": "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := filepath.Join(t.TempDir(), "runs")
			r := RunFlags{Out: filepath.Join(top, "a", "b")}
			run, err := r.OpenRun("gan", &bytes.Buffer{})
			require.NoError(t, err)
			writeFiles(t, run.Dir, tt.files)
			run.Close(true)
			_, err = os.Stat(top)
			if tt.wantGone {
				require.True(t, errors.Is(err, fs.ErrNotExist), "the created folders are removed")
				return
			}
			require.NoError(t, err)
			_, err = os.Stat(filepath.Join(run.Dir, LockFile))
			require.ErrorIs(t, err, fs.ErrNotExist)
		})
	}

	// A failed run never removes a folder it did not create.
	dir := t.TempDir()
	r := RunFlags{Out: dir}
	run, err := r.OpenRun("gan", &bytes.Buffer{})
	require.NoError(t, err)
	run.Close(true)
	_, err = os.Stat(dir)
	require.NoError(t, err)
}
