//go:build !amd64 || purego

package gemm

const buildAsm = false
