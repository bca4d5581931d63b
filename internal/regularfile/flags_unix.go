//go:build unix

package regularfile

import (
	"os"
	"syscall"
)

// openFlags open without waiting for a named pipe's writer. A regular
// file ignores O_NONBLOCK: its reads block as usual.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
