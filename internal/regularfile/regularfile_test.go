package regularfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/internal/regularfile/regularfiletest"
)

func TestOpenRegular(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data")
	require.NoError(t, os.WriteFile(path, []byte("hello"), 0o644))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(path, link))

	for _, p := range []string{path, link} {
		f, fi, err := Open(p)
		require.NoError(t, err, p)
		require.EqualValues(t, 5, fi.Size(), p)
		b, err := io.ReadAll(f)
		require.NoError(t, err, p)
		require.Equal(t, "hello", string(b), p)
		require.NoError(t, f.Close())
	}
}

func TestOpenMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing")
	_, _, err := Open(path)
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.ErrorContains(t, err, path)
}

// TestOpenRefuses makes each kind of file that is not a regular file, and a
// symbolic link to it, and expects a prompt error naming the path and the
// kind.
func TestOpenRefuses(t *testing.T) {
	words := map[regularfiletest.Kind]string{
		regularfiletest.Folder:    "it is a folder",
		regularfiletest.NamedPipe: "it is a named pipe (FIFO)",
		regularfiletest.Device:    "it is a device",
	}
	for _, kind := range regularfiletest.Kinds() {
		dir := t.TempDir()
		target := filepath.Join(dir, "target")
		regularfiletest.Make(t, kind, target)
		link := filepath.Join(dir, "link")
		require.NoError(t, os.Symlink(target, link))
		for _, path := range []string{target, link} {
			t.Run(string(kind)+"/"+filepath.Base(path), func(t *testing.T) {
				var err error
				regularfiletest.Bounded(t, regularfiletest.AllocLimit, func() {
					var f *os.File
					f, _, err = Open(path)
					if f != nil {
						f.Close()
					}
				})
				require.ErrorIs(t, err, ErrNotRegular)
				var pe *fs.PathError
				require.True(t, errors.As(err, &pe), "%v is not an *fs.PathError", err)
				require.Equal(t, path, pe.Path)
				require.EqualError(t, err, "open "+path+": not a regular file: "+words[kind])
			})
		}
	}
}

func TestAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	for _, line := range []string{"one\n", "two\n"} {
		f, err := Append(path, 0o644)
		require.NoError(t, err)
		_, err = f.WriteString(line)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "one\ntwo\n", string(b), "created, then appended to")
}

// TestAppendRefuses expects Append to refuse, at once, every kind of file
// that is not a regular file: a named pipe without a reader would
// otherwise block the open for ever.
func TestAppendRefuses(t *testing.T) {
	for _, kind := range regularfiletest.Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log")
			regularfiletest.Make(t, kind, path)
			var err error
			regularfiletest.Bounded(t, regularfiletest.AllocLimit, func() {
				var f *os.File
				f, err = Append(path, 0o644)
				if f != nil {
					f.Close()
				}
			})
			require.ErrorIs(t, err, ErrNotRegular)
			require.ErrorContains(t, err, path)
		})
	}
}
