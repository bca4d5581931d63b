package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gorgozoo/gorgozoo/datasets"
)

// readSamples reads at most limit images of h×w pixels from an IDX3 ubyte
// file (as cmd/sample writes) or a folder of PNG files, as pixels in
// [0, 1]. It returns the images, how many it took and how many there were.
func readSamples(path string, limit, h, w int) (images []float32, n, total int, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("-samples %s: %w", path, err)
	}
	if st.IsDir() {
		return readPNGs(path, limit, h, w)
	}
	m, err := datasets.ReadIDX(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("-samples: %w", err)
	}
	if len(m.Dims) != 3 || m.Dims[1] != h || m.Dims[2] != w {
		return nil, 0, 0, fmt.Errorf("-samples %s: holds an array of shape %v; want N×%d×%d images", path, m.Dims, h, w)
	}
	total = m.Dims[0]
	n = min(total, limit)
	images = make([]float32, n*h*w)
	for i, p := range m.Data[:n*h*w] {
		images[i] = float32(p) / 255
	}
	return images, n, total, nil
}

// readPNGs reads the folder's *.png files in name order, each one image of
// h×w pixels, converted to grey levels.
func readPNGs(dir string, limit, h, w int) (images []float32, n, total int, err error) {
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
	images = make([]float32, 0, n*h*w)
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
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				g := color.Gray16Model.Convert(img.At(x, y)).(color.Gray16)
				images = append(images, float32(g.Y)/65535)
			}
		}
	}
	return images, n, total, nil
}
