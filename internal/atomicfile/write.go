package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
)

// tempMark separates a temporary file's target name from its random
// suffix: "." + target + tempMark + digits.
const tempMark = ".tmp-"

// Write replaces path with what write writes, with permissions 0644. If
// write or any later step fails, the temporary file is removed and any
// file previously at path is left exactly as it was.
//
// The folder is synced after the rename so that the new name survives a
// crash; a folder that cannot be synced makes Write return an error that
// says the file itself is complete.
func Write(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// The temporary file must be in the same folder: rename is only atomic
	// within one file system. The leading dot keeps it out of casual
	// listings and out of glob patterns such as ckpt-*.
	f, err := os.CreateTemp(dir, "."+base+tempMark+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if err != nil && !renamed {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()

	bw := bufio.NewWriter(f)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	// CreateTemp makes the file private (0600); outputs are meant to be
	// shared with other tools and users like any other file.
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("file written, but syncing folder %s failed, so the rename may not survive a crash: %w", dir, err)
	}
	return nil
}

// WriteBytes replaces path with data, as Write does.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Target returns the name of the file that name, a temporary file of
// Write, was to replace, and whether name is such a temporary file.
func Target(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return "", false
	}
	i := strings.LastIndex(rest, tempMark)
	if i <= 0 {
		return "", false
	}
	return rest[:i], true
}

// syncDir makes a rename inside dir durable. Some systems cannot sync a
// folder at all; there is nothing more to do on those.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, errors.ErrUnsupported) || errors.Is(err, syscall.EINVAL) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
