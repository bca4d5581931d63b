package regularfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped by the error Open returns for a path that
// names something other than a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading when it names a regular file, following
// symbolic links. For anything else (a folder, a named pipe, a device, a
// socket) it returns an *fs.PathError naming path and what it is, which
// wraps ErrNotRegular; it never waits for a named pipe's writer. It
// returns the open file and its information, taken from the open file.
func Open(path string) (*os.File, fs.FileInfo, error) {
	// Looking first means a device is never opened: opening some has
	// side effects.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, notRegular(path, fi.Mode())
	}
	return open(path, os.O_RDONLY, 0)
}

// Append opens path for appending, creating it with perm when it does not
// exist, when it names a regular file; anything else is refused as by
// [Open], without waiting for a named pipe's reader.
func Append(path string, perm fs.FileMode) (*os.File, error) {
	fi, err := os.Stat(path)
	if err == nil && !fi.Mode().IsRegular() {
		return nil, notRegular(path, fi.Mode())
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	f, _, err := open(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, perm)
	return f, err
}

// open opens path with flag (never waiting for a named pipe's other end)
// and checks that the file opened is a regular file: the path may have
// been replaced since it was looked at.
func open(path string, flag int, perm fs.FileMode) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, flag|nonBlock, perm)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, notRegular(path, fi.Mode())
	}
	return f, fi, nil
}

func notRegular(path string, mode fs.FileMode) error {
	return &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w: %s", ErrNotRegular, describe(mode))}
}

// describe names the kind of file mode is, in the words a user would
// look for in an error.
func describe(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "it is a folder"
	case mode&fs.ModeNamedPipe != 0:
		return "it is a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		return "it is a socket"
	case mode&fs.ModeDevice != 0:
		return "it is a device"
	}
	return fmt.Sprintf("its mode is %v", mode)
}
