package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// asMainEnv makes the test binary run the command's main, so a test can
// signal a real process.
const asMainEnv = "GORGOZOO_TRAIN_GAN_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		os.Args = append([]string{"train-gan"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

// TestInterruptSavesCheckpoint sends SIGINT to a training process: it must
// exit with status 130 after writing a checkpoint that loads.
func TestInterruptSavesCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a training process")
	}
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(os.Args[0], "-epochs", "5", "-log-every", "10", "-o", out)
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())

	// Wait until training has logged some steps, then interrupt.
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
		if bytes.Count(b, []byte("\n")) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			require.Failf(t, "no training progress within a minute", "stderr: %s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	err := cmd.Wait()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "want a non-zero exit, got %v", err)
	require.Equal(t, 130, exit.ExitCode(), "stderr: %s", stderr.String())
	require.Contains(t, stdout.String(), "stopped at step")

	latest, err := checkpoints.Dir{Path: filepath.Join(out, "checkpoints")}.Latest()
	require.NoError(t, err)
	c, err := checkpoints.Load(latest)
	require.NoError(t, err)
	require.Greater(t, c.Meta.Step, int64(0))
}
