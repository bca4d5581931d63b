package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWrite: a write that fails at any point leaves the previous file
// byte for byte and no temporary file; one that succeeds replaces it.
func TestWrite(t *testing.T) {
	errDisk := errors.New("disk full")
	tests := []struct {
		name    string
		write   func(io.Writer) error
		want    string // the file afterwards
		wantErr error
	}{
		{"fails before writing", func(io.Writer) error { return errDisk }, "old", errDisk},
		{"fails half way", func(w io.Writer) error {
			if _, err := io.WriteString(w, `{"half":`); err != nil {
				return err
			}
			return errDisk
		}, "old", errDisk},
		{"succeeds", func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }, "new", nil},
		{"succeeds empty", func(io.Writer) error { return nil }, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.json")
			require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
			err := Write(path, tt.write)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
				st, err := os.Stat(path)
				require.NoError(t, err)
				require.Equal(t, os.FileMode(0o644), st.Mode().Perm())
			}
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, tt.want, string(b))
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Len(t, entries, 1, "no temporary file is left")
		})
	}
}

func TestWriteMissingFolder(t *testing.T) {
	err := WriteBytes(filepath.Join(t.TempDir(), "no", "such", "file"), []byte("x"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestTarget(t *testing.T) {
	tests := []struct {
		name, want string
		ok         bool
	}{
		{".config.json.tmp-123", "config.json", true},
		{".ckpt-000000001.safetensors.tmp-5", "ckpt-000000001.safetensors", true},
		{".a.tmp-b.tmp-7", "a.tmp-b", true},
		{"config.json.tmp-123", "", false},
		{".tmp-123", "", false},
		{".config.json", "", false},
		{"config.json", "", false},
	}
	for _, tt := range tests {
		got, ok := Target(tt.name)
		require.Equal(t, tt.ok, ok, tt.name)
		require.Equal(t, tt.want, got, tt.name)
	}
}

// TestWriteMatchesTarget: the temporary files Write makes are the ones
// Target recognises.
func TestWriteMatchesTarget(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "grid.png")
	var seen string
	require.NoError(t, Write(path, func(io.Writer) error {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, entries, 1)
		seen = entries[0].Name()
		return nil
	}))
	got, ok := Target(seen)
	require.True(t, ok, seen)
	require.Equal(t, "grid.png", got)
}
