// Package openblas binds OpenBLAS's cblas_sgemm for package gemm's
// openblas build tag. It is a separate package because Go does not allow
// cgo and Go assembly in one package. Without the openblas tag (or without
// cgo) it is empty, so the default build never links C.
package openblas
