//go:build unix

package gemm

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time used by all threads of the process so
// far. Benchmarks divide work by it as well as by wall time: on a shared,
// busy machine wall time includes the time the OS gave to other processes,
// CPU time does not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
