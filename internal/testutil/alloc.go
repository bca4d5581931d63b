package testutil

import "runtime"

// Allocated returns the bytes f allocates on the heap, from the runtime's
// cumulative count (TotalAlloc). Other goroutines' allocations count too,
// so tests that bound it must not run in parallel with heavy work; a bound
// of many megabytes tells "refused before allocating" from "allocated,
// then failed" (gigabytes) robustly.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
