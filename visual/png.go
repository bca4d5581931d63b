package visual

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"reflect"

	"github.com/gorgozoo/gorgozoo/internal/atomicfile"
)

// SavePNG encodes img as PNG and writes it to path atomically (see
// package atomicfile): readers see either the previous image or the
// complete new one. On failure the temporary file is removed and the error
// names path.
func SavePNG(path string, img image.Image) error {
	if isNil(img) {
		return fmt.Errorf("visual: save %s: nil image", path)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return fmt.Errorf("visual: save %s: %w", path, err)
	}
	return nil
}

// isNil reports a nil image, including a nil pointer held in a non-nil
// image.Image (a nil *image.Gray, say), whose methods would dereference
// nil.
func isNil(img image.Image) bool {
	return img == nil || reflect.ValueOf(img).Kind() == reflect.Pointer && reflect.ValueOf(img).IsNil()
}
