package graphs

import "github.com/gorgozoo/gorgozoo/internal/gemm"

// Every graph's matrix products go through Gorgonia's BLAS. gonum's pure-Go
// Sgemm, the default, runs our layer shapes at 5–20 GFLOP/s; internal/gemm's
// AVX2+FMA kernel runs them at 85–108 (pure Go and assembly, no cgo), and
// under -tags openblas the same call installs OpenBLAS. Installing it here
// means every model, command and program that embeds one gets it.
func init() { gemm.Use() }
