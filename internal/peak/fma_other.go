//go:build !amd64 || purego

package peak

// archKernels lists the assembly loops of this build: none.
func archKernels() []kernel { return nil }
