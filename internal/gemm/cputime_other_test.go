//go:build !unix

package gemm

import "time"

// processCPU is not measured on this system; benchmarks then report no
// CPU-time rate.
func processCPU() time.Duration { return 0 }
