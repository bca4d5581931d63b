package ops

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time of the calling OS thread (lock the
// goroutine to it first): on a busy machine, unlike wall time, it leaves
// out the time the thread waited for a core.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if syscall.Getrusage(rusageThread, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
