//go:build !unix

package cli

import "os"

// processAlive reports whether a process with this ID exists: where
// processes are not unix ones, finding a process opens it, which fails
// once it has ended.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
