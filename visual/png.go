package visual

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
)

// SavePNG encodes img as PNG and writes it to path atomically: the data goes
// to a temporary file in the same folder (so the final rename never crosses
// file systems), is flushed to disk, and is then renamed over path. Readers
// therefore see either the previous image or the complete new one. On
// failure the temporary file is removed and the error names path.
func SavePNG(path string, img image.Image) (err error) {
	if img == nil {
		return fmt.Errorf("visual: save %s: nil image", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("visual: save %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			// Best effort: the write already failed, and the original error is
			// the one worth reporting.
			_ = f.Close()
			_ = os.Remove(tmp)
			err = fmt.Errorf("visual: save %s: %w", path, err)
		}
	}()

	// CreateTemp uses 0600; images are meant to be looked at by others too.
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// The folder itself is not fsynced: losing the rename in a crash leaves
	// the previous image, which is acceptable for progress pictures.
	return os.Rename(tmp, path)
}
