package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/internal/term"
	"github.com/gorgozoo/gorgozoo/visual"
)

// outputFolder reports whether -o out names a folder: it ends in a path
// separator or is an existing folder. A folder must be new or empty, so
// that its files are this run's images and no others (cmd/eval reads
// every PNG file in it); out ending in a separator but naming a file is an
// error.
func outputFolder(out string) (bool, error) {
	slash := strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(filepath.Separator))
	// Clean drops the trailing separator, so that a file named with one is
	// found and reported as a file.
	st, err := os.Stat(filepath.Clean(out))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return slash, nil
	case err != nil && slash:
		return false, fmt.Errorf("-o %s: %w", out, err)
	case err != nil:
		return false, nil // a file to write: writing it reports the problem
	case !st.IsDir() && slash:
		return false, cli.Usagef("-o %s: %s is a file, not a folder", out, filepath.Clean(out))
	case !st.IsDir():
		return false, nil
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return false, fmt.Errorf("-o %s: %w", out, err)
	}
	if len(entries) > 0 {
		return false, cli.Usagef("-o %s: the folder is not empty (it holds %s); give a new or empty folder", out, entries[0].Name())
	}
	return true, nil
}

// writeFolder writes the n images of shape s in imgs (pixels in [0, 1])
// to dir as PNG files 00000.png, 00001.png, … (more digits when n needs
// them, so name order is drawing order), creating dir if need be. On
// failure it removes the files it wrote, and dir if it made it.
func writeFolder(ctx context.Context, dir string, imgs []float32, n int, s visual.Shape, stderr io.Writer) (err error) {
	_, statErr := os.Stat(dir)
	made := errors.Is(statErr, fs.ErrNotExist)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-o %s: %w", dir, err)
	}
	var written []string
	defer func() {
		if err == nil {
			return
		}
		for _, f := range written {
			_ = os.Remove(f)
		}
		if made {
			_ = os.Remove(dir)
		}
	}()
	digits := max(5, len(fmt.Sprint(n-1)))
	per := len(imgs) / n
	progress := term.Counter(stderr, "writing PNG files to "+dir, 1000)
	for i := range n {
		if err := ctx.Err(); err != nil {
			return err
		}
		img, err := visual.Image(imgs[i*per:(i+1)*per], s, 0, 1)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, fmt.Sprintf("%0*d.png", digits, i))
		if err := visual.SavePNG(path, img); err != nil {
			return err
		}
		written = append(written, path)
		progress(i+1, n)
	}
	return nil
}
