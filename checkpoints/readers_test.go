package checkpoints

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/internal/regularfile/regularfiletest"
)

// TestLoadRefusesSpecialFiles puts a folder, a named pipe and a device
// where a checkpoint file is expected, named as a run folder's latest
// checkpoint: Load and Open refuse each promptly with an error naming it.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	for _, kind := range regularfiletest.Kinds() {
		run := t.TempDir()
		dir := filepath.Join(run, "checkpoints")
		require.NoError(t, os.Mkdir(dir, 0o755))
		file := filepath.Join(dir, ckptPrefix+"000000100"+ckptSuffix)
		regularfiletest.Make(t, kind, file)

		refused := "checkpoints: " + file + ": open: not a regular file"
		wantOpen, wantRun := refused, refused
		if kind == regularfiletest.Folder {
			// A folder is searched for checkpoints, and the search
			// skips folders.
			wantOpen = "checkpoints: " + file + ": no checkpoint"
			wantRun = "checkpoints: " + run + ": no checkpoint"
		}
		tests := []struct {
			name string
			load func() error
			want string
		}{
			{"Load", func() error { _, err := Load(file); return err }, refused},
			{"Open file", func() error { _, _, err := Open(file); return err }, wantOpen},
			{"Open run", func() error { _, _, err := Open(run); return err }, wantRun},
		}
		for _, tc := range tests {
			t.Run(string(kind)+"/"+tc.name, func(t *testing.T) {
				var err error
				regularfiletest.Bounded(t, regularfiletest.AllocLimit, func() { err = tc.load() })
				require.ErrorContains(t, err, tc.want)
			})
		}
	}
}
