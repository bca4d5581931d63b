// Package regularfiletest makes the files that are not regular files (a
// folder, a named pipe, a device) where a test of a reader expects one, and
// checks that the reader refuses them quickly and cheaply.
package regularfiletest

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// Kind is a kind of file that is not a regular file.
type Kind string

const (
	Folder    Kind = "folder"
	NamedPipe Kind = "named pipe"
	// Device is a symbolic link to /dev/zero, a device that never ends.
	Device Kind = "device"
)

// devZero is the endless device Device links to.
const devZero = "/dev/zero"

// Kinds returns the kinds this system can make: a folder everywhere, a
// named pipe and a device where the system has them.
func Kinds() []Kind {
	kinds := []Kind{Folder}
	if canMkfifo {
		kinds = append(kinds, NamedPipe)
	}
	if st, err := os.Stat(devZero); err == nil && st.Mode()&os.ModeDevice != 0 {
		kinds = append(kinds, Device)
	}
	return kinds
}

// Make creates a file of the given kind at path.
func Make(t testing.TB, kind Kind, path string) {
	t.Helper()
	var err error
	switch kind {
	case Folder:
		err = os.Mkdir(path, 0o755)
	case NamedPipe:
		err = mkfifo(path)
	case Device:
		err = os.Symlink(devZero, path)
	default:
		t.Fatalf("regularfiletest: unknown kind %q", kind)
	}
	if err != nil {
		t.Fatalf("regularfiletest: making a %s at %s: %v", kind, path, err)
	}
}

const (
	// TimeLimit is how long a reader may take to refuse a file. A reader
	// that waits on a named pipe never returns, so the test would
	// otherwise hang until the test binary's own timeout.
	TimeLimit = 10 * time.Second
	// AllocLimit is how many bytes a reader may allocate to refuse a
	// file: enough for errors and headers, far less than a file that
	// declares a huge size asks for. A command does more before it
	// reads, and is given its own limit.
	AllocLimit = 16 << 20
)

// Bounded runs read and fails t unless it returns within TimeLimit having
// allocated at most allocLimit bytes. A read that never returns is left
// running. read runs on another goroutine, so it must not stop the test
// (t.Fatal and require): it keeps its results for checks after Bounded
// returns. The test must not run in parallel with others, whose
// allocations would count.
func Bounded(t testing.TB, allocLimit uint64, read func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	go func() {
		defer close(done)
		read()
	}()
	select {
	case <-done:
	case <-time.After(TimeLimit):
		t.Fatalf("the read did not return within %v", TimeLimit)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > allocLimit {
		t.Errorf("the read allocated %d bytes, more than %d", got, allocLimit)
	}
}
