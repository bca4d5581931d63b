package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/visual"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// TestSampleGenerator: -generator K on a mixture of generators writes the
// images of generator K alone, and without it those of the mixture; it is
// refused for a generator the model does not have.
func TestSampleGenerator(t *testing.T) {
	var out bytes.Buffer
	idx := filepath.Join(t.TempDir(), "s.idx")
	for _, cfg := range []gan.Config{
		{Generators: 3, Classes: 10},
		{Arch: "dcgan", Generators: 2, GChannels: []int{8, 8}, DChannels: []int{8, 8}},
	} {
		m, err := gan.New(cfg, 1)
		require.NoError(t, err)
		s, err := gan.NewStep(m, gan.TrainConfig{Batch: 8}, 1)
		require.NoError(t, err)
		dir, _ := testutil.SaveRun(t, s, 0)
		g := gan.NewGenerator(m)
		for k := -1; k < cfg.Generators; k++ {
			want, err := g.Generate(30, 3)
			if k >= 0 {
				one, err := g.Component(k)
				require.NoError(t, err)
				want, err = one.Generate(30, 3)
				require.NoError(t, err)
			}
			require.NoError(t, err)
			args := []string{"-ckpt", dir, "-n", "30", "-seed", "3", "-o", idx}
			if k >= 0 {
				args = append(args, "-generator", strconv.Itoa(k))
			}
			require.NoError(t, run(context.Background(), args, &out, &out))
			got, err := datasets.ReadIDX(idx)
			require.NoError(t, err)
			wantBytes := make([]uint8, len(want))
			visual.ToUint8(want, 0, 1, wantBytes)
			require.Equal(t, wantBytes, got.Data, "%s, generator %d", cfg.Arch, k)
		}
		err = run(context.Background(), []string{"-ckpt", dir, "-generator", "3", "-o", idx}, &out, &out)
		require.ErrorContains(t, err, "generator 3 is not in")
	}
	err := run(context.Background(), []string{"-ckpt", ganCheckpoint(t), "-generator", "-2", "-o", idx}, &out, &out)
	require.ErrorContains(t, err, "-generator -2")
	require.NoError(t, run(context.Background(), []string{"-ckpt", ganCheckpoint(t), "-generator", "0", "-o", idx}, &out, &out), "a single generator is generator 0")
}
