package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// idxBytes builds an IDX file by hand so tests can make headers that
// WriteIDX would refuse to produce.
func idxBytes(typeCode byte, dims []uint32, payload []byte) []byte {
	b := []byte{0, 0, typeCode, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, payload...)
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func TestIDXRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		dims []int
		gz   bool
	}{
		{"rank1 raw", []int{5}, false},
		{"rank1 gz", []int{5}, true},
		{"rank3 raw", []int{4, 3, 2}, false},
		{"rank3 gz", []int{4, 3, 2}, true},
		{"rank4 raw", []int{2, 3, 4, 5}, false},
		{"rank4 gz", []int{2, 3, 4, 5}, true},
		{"single element", []int{1, 1, 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			n := 1
			for _, d := range tc.dims {
				n *= d
			}
			in := &IDX{Dims: tc.dims, Data: seq(n)}
			path := filepath.Join(dir, "m-idx-ubyte")
			require.NoError(t, WriteIDX(path, in), "WriteIDX")
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, idxBytes(0x08, u32s(tc.dims), in.Data), raw, "file bytes")
			if tc.gz {
				// No .gz suffix on purpose: detection is by content.
				path = writeFile(t, dir, "compressed", gzipBytes(t, raw))
			}
			out, err := ReadIDX(path)
			require.NoError(t, err, "ReadIDX")
			assert.Equal(t, in.Dims, out.Dims, "dims")
			assert.Equal(t, in.Data, out.Data, "data")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, e := range entries {
				assert.NotContains(t, e.Name(), ".tmp", "temporary file left behind")
			}
		})
	}
}

func u32s(dims []int) []uint32 {
	out := make([]uint32, len(dims))
	for i, d := range dims {
		out[i] = uint32(d)
	}
	return out
}

func TestWriteIDXReplacesExisting(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "x", []byte("old content that is longer than the new file"))
	require.NoError(t, WriteIDX(path, &IDX{Dims: []int{2}, Data: []byte{9, 8}}))
	m, err := ReadIDX(path)
	require.NoError(t, err)
	require.Equal(t, []byte{9, 8}, m.Data, "data")
}

func TestWriteIDXErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		m    *IDX
		want string
	}{
		{"nil", "nil.idx", nil, "nil IDX"},
		{"rank 0", "r0.idx", &IDX{}, "rank 0"},
		{"rank 5", "r5.idx", &IDX{Dims: []int{1, 1, 1, 1, 1}, Data: []byte{1}}, "rank 5"},
		{"zero dim", "zd.idx", &IDX{Dims: []int{2, 0}}, "dimension 1 is 0"},
		{"negative dim", "nd.idx", &IDX{Dims: []int{-2}}, "dimension 0 is -2"},
		{"short data", "sd.idx", &IDX{Dims: []int{2, 3}, Data: []byte{1, 2}}, "needs 6 bytes but Data has 2"},
		{"missing folder", filepath.Join("no", "such", "dir", "f.idx"), &IDX{Dims: []int{1}, Data: []byte{1}}, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.path)
			err := WriteIDX(path, tc.m)
			require.Error(t, err, "WriteIDX")
			assert.ErrorContains(t, err, filepath.Base(path), "the error names the file")
			assert.ErrorContains(t, err, tc.want)
			_, err = os.Stat(path)
			assert.Error(t, err, "%s was created despite the error", path)
		})
	}
}

func TestReadIDXBadInputs(t *testing.T) {
	good := idxBytes(0x08, []uint32{3, 2, 2}, seq(12))
	goodGz := gzipBytes(t, good)
	corruptGz := slices.Clone(goodGz)
	corruptGz[len(corruptGz)-6] ^= 0xff // inside the CRC-32 trailer
	tests := []struct {
		name    string
		content []byte // nil: do not create the file
		want    string
	}{
		{"missing file", nil, "no such file"},
		{"empty file", []byte{}, "empty file"},
		{"one byte", []byte{0}, "too short"},
		{"short header", []byte{0, 0, 8, 3, 0, 0}, "truncated header"},
		{"bad magic", idxBytes(0x08, []uint32{2}, []byte{1, 2})[1:], "bad magic"},
		{"bad magic text", []byte("hello world"), "bad magic"},
		{"type float32", idxBytes(0x0D, []uint32{2}, make([]byte, 8)), "0x0D (float32)"},
		{"type unknown", idxBytes(0x42, []uint32{2}, make([]byte, 8)), "0x42 (unknown)"},
		{"rank 0", idxBytes(0x08, nil, nil), "rank 0"},
		{"rank 5", idxBytes(0x08, []uint32{1, 1, 1, 1, 1}, []byte{1}), "rank 5"},
		{"zero dim", idxBytes(0x08, []uint32{3, 0, 2}, nil), "dimension 1 is zero"},
		{"truncated raw", good[:len(good)-5], "truncated: header says 3x2x2 (12 bytes) but file has 7"},
		{"truncated gz", gzipBytes(t, good[:len(good)-5]), "truncated: header says 3x2x2 (12 bytes) but file has 7"},
		{"trailing raw", append(slices.Clone(good), 1, 2), "trailing garbage"},
		{"trailing gz", gzipBytes(t, append(slices.Clone(good), 1, 2)), "trailing garbage"},
		{"garbage after gzip member", append(slices.Clone(goodGz), "junk"...), "corrupt gzip"},
		{"huge dims raw", idxBytes(0x08, []uint32{4e9, 4e9, 4e9}, nil), "more than 2147483648 elements"},
		{"huge dims gz", gzipBytes(t, idxBytes(0x08, []uint32{60000, 4e9}, nil)), "more than 2147483648 elements"},
		{"gzip header only", goodGz[:10], "corrupt gzip"},
		{"gzip cut short", goodGz[:len(goodGz)-12], "corrupt gzip"},
		{"gzip bad checksum", corruptGz, "corrupt gzip"},
		{"gzip bad header", []byte{0x1f, 0x8b, 0, 0, 0, 0}, "corrupt gzip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			name := "case-" + strings.ReplaceAll(tc.name, " ", "-")
			path := filepath.Join(dir, name)
			if tc.content != nil {
				writeFile(t, dir, name, tc.content)
			}
			_, err := ReadIDX(path)
			require.Error(t, err, "ReadIDX")
			assert.ErrorContains(t, err, path)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// TestReadIDXLyingHeaderDoesNotAllocate makes sure headers that claim a
// plausible but absent payload are caught before the payload is allocated.
func TestReadIDXLyingHeaderDoesNotAllocate(t *testing.T) {
	const claimed = 2_000_000_000 // under the element cap, so only the size check stops it
	lie := idxBytes(0x08, []uint32{claimed}, seq(100))
	tests := []struct {
		name    string
		content []byte
	}{
		{"raw", lie},
		{"gz", gzipBytes(t, lie)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "lie", tc.content)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := ReadIDX(path)
			runtime.ReadMemStats(&after)
			require.ErrorContains(t, err, "truncated")
			assert.LessOrEqual(t, after.TotalAlloc-before.TotalAlloc, uint64(4<<20), "bytes ReadIDX allocated for a %d-byte file", len(tc.content))
		})
	}
}

func TestReadIDXRejectsFolder(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadIDX(dir)
	require.ErrorContains(t, err, dir)
}
