package gemm

import (
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/cpu"
)

// TestKernelChoice checks that the build tags and the CPU pick the
// expected implementation: -tags openblas → OpenBLAS; on amd64 AVX-512
// when the CPU has it (with AVX2 and FMA), AVX2 when it has AVX2 and FMA,
// else gonum's SSE code; with -tags purego or on
// other architectures the portable kernel.
func TestKernelChoice(t *testing.T) {
	want := "go"
	switch {
	case buildOpenBLAS:
		want = "openblas"
	case buildAsm && cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		want = "avx512"
	case buildAsm && cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		want = "avx2"
	case buildAsm:
		want = "gonum"
	}
	require.Equal(t, want, Kernel())
}
