package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/internal/regularfile/regularfiletest"
)

// commandAllocLimit bounds what eval may allocate before it refuses a
// file: the classifier and the MNIST test set, far below the gigabytes a
// hostile file asks for.
const commandAllocLimit = 256 << 20

// pngBomb is a tiny PNG whose header declares a 50000×50000 16-bit RGBA
// image: 20 GB once decoded.
func pngBomb() []byte {
	chunk := func(kind string, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(append(b, kind...), data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, 50000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 50000)
	ihdr = append(ihdr, 16, 6, 0, 0, 0)
	b := append([]byte("\x89PNG\r\n\x1a\n"), chunk("IHDR", ihdr)...)
	return append(b, chunk("IEND", nil)...)
}

// hugeIDX is a 65 KB gzipped IDX file of 64 images of 1024×1024 pixels.
func hugeIDX(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	head := []byte{0, 0, 8, 3}
	for _, d := range []uint32{64, 1024, 1024} {
		head = binary.BigEndian.AppendUint32(head, d)
	}
	_, err := zw.Write(append(head, make([]byte, 64<<20)...))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

type readerCase struct {
	name string
	args []string
	want string
}

// TestReadersRefuse passes eval files that must be refused before they are
// read: folders, named pipes and devices where a file is expected, and
// small files declaring huge images. Each gives a one-line error naming the
// file, promptly and without a large allocation.
func TestReadersRefuse(t *testing.T) {
	var cases []readerCase
	for _, kind := range regularfiletest.Kinds() {
		k := string(kind)
		// A folder is a -samples folder, and a folder named a.png or
		// ckpt-*.safetensors inside one is passed over.
		if kind != regularfiletest.Folder {
			file := filepath.Join(t.TempDir(), "samples.idx")
			regularfiletest.Make(t, kind, file)
			cases = append(cases, readerCase{k + " as -samples", []string{"-samples", file}, "open " + file + ": not a regular file"})

			clf := filepath.Join(t.TempDir(), "clf.safetensors")
			regularfiletest.Make(t, kind, clf)
			cases = append(cases, readerCase{k + " as -classifier", []string{"-noise", "-classifier", clf}, clf + ": open: not a regular file"})

			pngs := t.TempDir()
			png := filepath.Join(pngs, "a.png")
			regularfiletest.Make(t, kind, png)
			cases = append(cases, readerCase{k + " in the -samples folder", []string{"-samples", pngs}, "open " + png + ": not a regular file"})
		}

		data := t.TempDir()
		images := filepath.Join(data, "t10k-images-idx3-ubyte")
		regularfiletest.Make(t, kind, images)
		labels := &datasets.IDX{Dims: []int{3}, Data: []byte{1, 2, 3}}
		require.NoError(t, datasets.WriteIDX(filepath.Join(data, "t10k-labels-idx1-ubyte"), labels))
		cases = append(cases, readerCase{k + " in the -data folder", []string{"-noise", "-data", data}, "open " + images + ": not a regular file"})
	}

	bombs := t.TempDir()
	bomb := filepath.Join(bombs, "a.png")
	require.NoError(t, os.WriteFile(bomb, pngBomb(), 0o644))
	cases = append(cases, readerCase{"PNG bomb in the -samples folder", []string{"-samples", bombs}, bomb + ": png image of 50000x50000"})

	idx := filepath.Join(t.TempDir(), "samples.idx.gz")
	require.NoError(t, os.WriteFile(idx, hugeIDX(t), 0o644))
	cases = append(cases, readerCase{"IDX of 1024x1024 images as -samples", []string{"-samples", idx}, idx + ": shape 64x1024x1024"})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			var err error
			regularfiletest.Bounded(t, commandAllocLimit, func() {
				err = run(context.Background(), c.args, &stdout, &stderr)
			})
			require.ErrorContains(t, err, c.want)
			require.Equal(t, 1, cli.Exit(&stderr, "eval", err))
			require.Equal(t, 1, strings.Count(stderr.String(), "eval:"), "one line naming the problem: %s", stderr.String())
			require.NotContains(t, strings.TrimSpace(stderr.String()), "\n", "one line: %s", stderr.String())
		})
	}
}
