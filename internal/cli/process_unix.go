//go:build unix

package cli

import (
	"errors"
	"os"
	"syscall"
)

// processAlive reports whether a process with this ID exists. A process
// that exists but belongs to another user counts as alive.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	// Signal 0 checks that the process exists without disturbing it.
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
