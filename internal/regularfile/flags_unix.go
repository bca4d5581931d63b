//go:build unix

package regularfile

import "syscall"

// nonBlock makes an open return at once where it would wait for a named
// pipe's other end. A regular file ignores O_NONBLOCK: its reads and
// writes block as usual.
const nonBlock = syscall.O_NONBLOCK
