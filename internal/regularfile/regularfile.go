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
	// The path may have been replaced since: openFlags keep the open
	// from waiting, and the file actually opened is checked again.
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err = f.Stat()
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
