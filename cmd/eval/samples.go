package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gorgozoo/gorgozoo/datasets"
)

// readSamples reads at most limit images of c×h×w pixels from an IDX
// ubyte file (N×H×W for grey images, as cmd/sample writes, or N×C×H×W)
// or a folder of PNG files (as cmd/sample -o DIR/ writes), as pixels in
// [0, 1]. It returns the images, how many it took and how many there were.
func readSamples(path string, limit, c, h, w int) (images []float32, n, total int, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("-samples %s: %w", path, err)
	}
	if st.IsDir() {
		return readPNGs(path, limit, c, h, w)
	}
	m, err := datasets.ReadIDX(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("-samples: %w", err)
	}
	grey := len(m.Dims) == 3 && c == 1 && m.Dims[1] == h && m.Dims[2] == w
	planar := len(m.Dims) == 4 && m.Dims[1] == c && m.Dims[2] == h && m.Dims[3] == w
	if !grey && !planar {
		want := fmt.Sprintf("N×%d×%d", h, w)
		if c != 1 {
			want = fmt.Sprintf("N×%d×%d×%d", c, h, w)
		}
		return nil, 0, 0, fmt.Errorf("-samples %s: holds an array of shape %v; want %s images", path, m.Dims, want)
	}
	pixels := c * h * w
	total = m.Dims[0]
	n = min(total, limit)
	images = make([]float32, n*pixels)
	for i, p := range m.Data[:n*pixels] {
		images[i] = float32(p) / 255
	}
	return images, n, total, nil
}

// readPNGs reads the folder's *.png files in name order, each one image of
// h×w pixels, brought to c channels as an image folder's images are
// (datasets.PlanarPixels).
func readPNGs(dir string, limit, c, h, w int) (images []float32, n, total int, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("-samples %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".png") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, 0, 0, fmt.Errorf("-samples %s: the folder holds no .png files", dir)
	}
	sort.Strings(names)
	total = len(names)
	n = min(total, limit)
	images = make([]float32, 0, n*c*h*w)
	for _, name := range names[:n] {
		path := filepath.Join(dir, name)
		// The default limits refuse a file declaring a huge image before
		// it is decoded; the exact size is checked on the image.
		img, _, err := datasets.ReadImage(path, datasets.ImageLimits{})
		if err != nil {
			return nil, 0, 0, fmt.Errorf("-samples: %w", err)
		}
		b := img.Bounds()
		if b.Dx() != w || b.Dy() != h {
			return nil, 0, 0, fmt.Errorf("-samples: %s is %dx%d pixels; want %dx%d", path, b.Dx(), b.Dy(), w, h)
		}
		pix, err := datasets.PlanarPixels(img, c)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("-samples: %s: %w", path, err)
		}
		for _, p := range pix {
			images = append(images, float32(p)/255)
		}
	}
	return images, n, total, nil
}
