//go:build !openblas || !cgo

package gemm

const buildOpenBLAS = false
