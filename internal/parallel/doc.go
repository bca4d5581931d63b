// Package parallel runs the chunks of one piece of work on the calling
// goroutine and a fixed pool of worker goroutines, one per core beyond the
// caller's. The matrix products (package gemm) and the elementwise and
// convolution ops (package graphs/ops) and the optimisers share it.
//
// # Why a pool that spins
//
// A training step is a chain of short parallel sections — a product of
// 64×784×256 takes about 100 µs on one core — with short serial work in
// between. Waking a parked goroutine costs from a few to tens of
// microseconds, more on a virtual machine where every futex call traps;
// measured here, a product split in two gained only 1.25× instead of 2×.
// So a worker that finishes a chunk keeps looking for the next piece of
// work for a while (IdleSpin, yielding its core to other goroutines between
// looks) before it parks, and a chain of sections finds it awake.
//
// # Guarantees
//
// For always finishes its work, even if no worker ever runs: the caller
// claims chunks too, one at a time, and nobody owns a fixed share. Only one
// piece of work is shared at a time; a call that finds the pool busy (from
// another goroutine, or nested inside a chunk) runs all its chunks itself,
// with worker index 0. Worker indices name goroutines, so that each can
// own scratch space: index 0 is always the calling goroutine, and an index
// i > 0 runs one chunk at a time.
package parallel
