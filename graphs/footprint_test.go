package graphs

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSaturatingArithmetic(t *testing.T) {
	for _, c := range []struct {
		a, b, sum, product int64
	}{
		{2, 3, 5, 6},
		{0, math.MaxInt64, math.MaxInt64, 0},
		{math.MaxInt64, 1, math.MaxInt64, math.MaxInt64},
		{1 << 32, 1 << 32, 1 << 33, math.MaxInt64},
		{-5, 3, 3, 0}, // negatives count as 0: a footprint never shrinks
	} {
		require.Equal(t, c.sum, AddSat(c.a, c.b), "%d + %d", c.a, c.b)
		require.Equal(t, c.product, MulSat(c.a, c.b), "%d · %d", c.a, c.b)
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{
		512:                  "512 B",
		1536:                 "1.5 KiB",
		4 << 30:              "4 GiB",
		400e9:                "373 GiB",
		math.MaxInt64:        "more than 8 EiB",
		3<<40 + 512<<30:      "3.5 TiB",
		DefaultMaxMemory / 4: "1 GiB",
	} {
		require.Equal(t, want, FormatBytes(n), "%d", n)
	}
}

func TestFootprintCheck(t *testing.T) {
	var f Footprint
	f.Linear(784, 256) // 200,960 parameters, 256 outputs
	require.Equal(t, int64(200960), f.Params)
	require.NoError(t, f.Check("mlp", 64, 0))

	p, a := f.Bytes(64)
	require.Equal(t, int64(200960*16), p)
	require.Equal(t, int64(256*64*32), a)
	err := f.Check("mlp", 64, p+a-1)
	var me *MemoryError
	require.True(t, errors.As(err, &me))
	require.ErrorIs(t, err, ErrMemoryLimit)
	require.Equal(t, "mlp: the model needs 3.57 MiB (3.07 MiB for 200960 parameters with their gradients and Adam moments, 512 KiB for the activations of 64 images), more than the limit of 3.57 MiB", err.Error())
	require.NoError(t, f.Check("mlp", 64, p+a))

	f.Linear(math.MaxInt, math.MaxInt)
	require.Equal(t, int64(math.MaxInt64), f.Params)
	require.ErrorContains(t, f.Check("mlp", 1, math.MaxInt64-1), "more than 9e18 parameters")
}

func TestCheckDraw(t *testing.T) {
	require.NoError(t, CheckDraw("gan", 10000, 100, 784, 0))
	require.ErrorContains(t, CheckDraw("gan", -1, 100, 784, 0), "cannot draw -1 images")
	err := CheckDraw("gan", 1e9, 100, 784, 0)
	require.ErrorIs(t, err, ErrMemoryLimit)
	require.Equal(t, "gan: 1000000000 images need 3.22 TiB (latent vectors, labels and pixels); that is more than the memory limit of 4 GiB", err.Error())
	require.ErrorIs(t, CheckDraw("gan", math.MaxInt, math.MaxInt, math.MaxInt, 0), ErrMemoryLimit)
}
