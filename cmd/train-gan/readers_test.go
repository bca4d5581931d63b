package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/internal/regularfile/regularfiletest"
)

// TestReadersRefuse passes train-gan a -data folder whose image file is a
// folder, a named pipe or a device, or holds 1024×1024 images in a 65 KB
// gz, and a -init-from checkpoint that is a named pipe or a device: each
// gives a one-line error naming the file, promptly and before any model
// is built.
func TestReadersRefuse(t *testing.T) {
	type readerCase struct {
		name string
		args []string
		want string
	}
	var cases []readerCase
	dataDir := func(t *testing.T, n int) (dir, images string) {
		dir = t.TempDir()
		labels := &datasets.IDX{Dims: []int{n}, Data: make([]byte, n)}
		require.NoError(t, datasets.WriteIDX(filepath.Join(dir, "train-labels-idx1-ubyte"), labels))
		return dir, filepath.Join(dir, "train-images-idx3-ubyte")
	}
	for _, kind := range regularfiletest.Kinds() {
		dir, images := dataDir(t, 3)
		regularfiletest.Make(t, kind, images)
		cases = append(cases, readerCase{string(kind) + " in -data", []string{"-data", dir}, "open " + images + ": not a regular file"})
		if kind != regularfiletest.Folder {
			ckpt := filepath.Join(t.TempDir(), "init.safetensors")
			regularfiletest.Make(t, kind, ckpt)
			cases = append(cases, readerCase{string(kind) + " as -init-from", []string{"-init-from", ckpt}, ckpt + ": open: not a regular file"})
		}
	}

	dir, images := dataDir(t, 64)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	head := []byte{0, 0, 8, 3}
	for _, d := range []uint32{64, 1024, 1024} {
		head = binary.BigEndian.AppendUint32(head, d)
	}
	_, err := zw.Write(append(head, make([]byte, 64<<20)...))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(images+".gz", buf.Bytes(), 0o644))
	cases = append(cases, readerCase{"1024x1024 images in -data", []string{"-data", dir}, images + ".gz: shape 64x1024x1024"})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			var err error
			args := append([]string{"-o", filepath.Join(t.TempDir(), "run")}, c.args...)
			regularfiletest.Bounded(t, 256<<20, func() {
				err = run(context.Background(), args, &stdout, &stderr)
			})
			require.ErrorContains(t, err, c.want)
			require.Equal(t, 1, cli.Exit(&stderr, "train-gan", err))
			require.Equal(t, 1, strings.Count(stderr.String(), "train-gan:"), "one line naming the problem: %s", stderr.String())
			require.NotContains(t, strings.TrimSpace(stderr.String()), "\n", "one line: %s", stderr.String())
		})
	}
}
