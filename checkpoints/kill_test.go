package checkpoints

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
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
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()

		list, err := Dir{Path: dir}.List()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for _, p := range list {
			c, err := Load(p)
			if err != nil {
				t.Fatalf("round %d: a checkpoint left after SIGKILL does not load: %v", round, err)
			}
			want := float32(c.Meta.Step)
			for i, v := range c.Tensors[0].Data {
				if v != want {
					t.Fatalf("round %d: %s is torn: value %v at %d, step %v", round, filepath.Base(p), v, i, want)
				}
			}
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		torn := 0
		for _, e := range entries {
			if isTempName(e.Name()) {
				torn++
			}
		}
		t.Logf("round %d: killed after %dms: %d checkpoints, all whole; %d half-written temporary files left beside them", round, delay, len(list), torn)
	}
	if _, err := (Dir{Path: dir}).Latest(); err != nil {
		t.Fatalf("no loadable checkpoint after the kills: %v", err)
	}
}
