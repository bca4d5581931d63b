package datasets

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

func FuzzReadIDX(f *testing.F) {
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	good := idxBytes(0x08, []uint32{2, 3, 2}, seq(12))
	f.Add(good)
	f.Add(gz(good))
	f.Add(idxBytes(0x08, []uint32{4}, seq(4)))
	f.Add(idxBytes(0x08, []uint32{1, 1, 1, 1}, seq(1)))
	f.Add(idxBytes(0x08, []uint32{60000, 28, 28}, seq(16)))
	f.Add(gz(idxBytes(0x08, []uint32{3}, seq(5))))
	f.Add(idxBytes(0x0D, []uint32{2}, seq(8)))
	f.Add([]byte{})
	f.Add([]byte{0x1f, 0x8b})

	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "fuzz-idx")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ReadIDX(path)
		if err != nil {
			if !bytes.Contains([]byte(err.Error()), []byte(path)) {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		n := 1
		for _, d := range m.Dims {
			if d <= 0 {
				t.Fatalf("accepted non-positive dim in %v", m.Dims)
			}
			n *= d
		}
		if len(m.Data) != n {
			t.Fatalf("len(Data) = %d, want product of dims %v = %d", len(m.Data), m.Dims, n)
		}
	})
}
