package checkpoints

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// killHelperEnv makes the test binary act as a process that saves
// checkpoints into a folder forever, for TestKillDuringSave to kill.
const killHelperEnv = "GORGOZOO_CHECKPOINT_KILL_HELPER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(killHelperEnv); dir != "" {
		saveForever(dir)
		return
	}
	os.Exit(m.Run())
}

// saveForever writes 16 MB checkpoints with increasing steps into dir, each
// tensor filled with its step, so a reader can tell a torn file.
func saveForever(dir string) {
	data := make([]float32, 4<<20)
	start := int64(1)
	if latest, err := (Dir{Path: dir}).Latest(); err == nil {
		if c, err := Load(latest); err == nil {
			start = c.Meta.Step + 1
		}
	}
	for step := start; ; step++ {
		for i := range data {
			data[i] = float32(step)
		}
		c := &Checkpoint{Meta: Meta{Kind: "kill-test", Step: step}, Tensors: []Tensor{{Name: "w", Shape: []int{len(data)}, Data: data}}}
		if _, err := (Dir{Path: dir, Keep: 2}).Save(c); err != nil {
			os.Exit(3)
		}
	}
}

// TestKillDuringSave kills a saving process with SIGKILL at several moments
// and checks that every checkpoint left in the folder loads and is whole.
func TestKillDuringSave(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	for round, delay := range []time.Duration{150, 230, 310, 470, 530} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killHelperEnv+"="+dir)
		require.NoError(t, cmd.Start())
		time.Sleep(delay * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()

		list, err := Dir{Path: dir}.List()
		require.NoError(t, err, "round %d", round)
		for _, p := range list {
			c, err := Load(p)
			require.NoError(t, err, "round %d: a checkpoint left after SIGKILL does not load", round)
			want := float32(c.Meta.Step)
			torn := slices.IndexFunc(c.Tensors[0].Data, func(v float32) bool { return v != want })
			require.Equal(t, -1, torn, "round %d: %s is torn: the value at this index is not the step %v", round, filepath.Base(p), want)
		}
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		torn := 0
		for _, e := range entries {
			if isTempName(e.Name()) {
				torn++
			}
		}
		t.Logf("round %d: killed after %dms: %d checkpoints, all whole; %d half-written temporary files left beside them", round, delay, len(list), torn)
	}
	_, err := Dir{Path: dir}.Latest()
	require.NoError(t, err, "no loadable checkpoint after the kills")
}
