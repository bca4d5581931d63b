package datasets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"slices"

	// The decoders of the formats DecodeImage reads.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	"github.com/gorgozoo/gorgozoo/internal/regularfile"
)

// DefaultMaxImagePixels is the default of ImageLimits.MaxPixels and the
// largest item of an IDX file, in bytes: 256×256 pixels leave room for the
// data sets models train on here on a CPU (MNIST is 28×28), while a hostile
// or mistaken header cannot size a buffer or a model. A decoded image takes
// at most 8 bytes per pixel (16-bit RGBA), 512 KiB at this limit.
const DefaultMaxImagePixels = 256 * 256

// ImageLimits bounds the images DecodeImage and ReadImage accept. The
// header's size is checked before any pixel is allocated, so a small file
// that declares a huge image (a decompression bomb) costs nothing. The
// zero value gives the defaults.
type ImageLimits struct {
	// MaxPixels bounds width×height; 0 means DefaultMaxImagePixels.
	MaxPixels int64
}

func (l ImageLimits) maxPixels() int64 {
	if l.MaxPixels == 0 {
		return DefaultMaxImagePixels
	}
	return l.MaxPixels
}

// imageFormats are the formats DecodeImage reads, as image.DecodeConfig
// names them. Other registered decoders are not trusted with limits.
var imageFormats = []string{"png", "jpeg", "gif"}

// DecodeImage decodes a PNG, JPEG or GIF image (the first frame of a GIF)
// from r, after checking the size its header declares against limits. It
// returns the image and the name of its format, as image.Decode does.
func DecodeImage(r io.Reader, limits ImageLimits) (image.Image, string, error) {
	img, format, err := decodeImage(r, limits)
	if err != nil {
		return nil, "", fmt.Errorf("datasets: %w", err)
	}
	return img, format, nil
}

// ReadImage reads a PNG, JPEG or GIF image from the regular file path (see
// DecodeImage); every error names the file.
func ReadImage(path string, limits ImageLimits) (image.Image, string, error) {
	f, _, err := regularfile.Open(path)
	if err != nil {
		// os errors already carry the path.
		return nil, "", fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	img, format, err := decodeImage(bufio.NewReader(f), limits)
	if err != nil {
		return nil, "", fmt.Errorf("datasets: %s: %w", path, err)
	}
	return img, format, nil
}

func decodeImage(r io.Reader, limits ImageLimits) (image.Image, string, error) {
	// The bytes the header took are kept to be read again by the decoder.
	var head bytes.Buffer
	_, format, err := imageHeader(io.TeeReader(r, &head), limits)
	if err != nil {
		return nil, "", err
	}
	img, _, err := image.Decode(io.MultiReader(&head, r))
	if err != nil {
		return nil, "", fmt.Errorf("%s image: %w", format, err)
	}
	return img, format, nil
}

// imageHeader reads an image's header from r and checks its format and
// size against limits, without reading or allocating any pixel.
func imageHeader(r io.Reader, limits ImageLimits) (image.Config, string, error) {
	if limits.MaxPixels < 0 {
		return image.Config{}, "", fmt.Errorf("image limit of %d pixels is negative", limits.MaxPixels)
	}
	cfg, format, err := image.DecodeConfig(r)
	if errors.Is(err, image.ErrFormat) {
		return image.Config{}, "", fmt.Errorf("not a PNG, JPEG or GIF image: %w", err)
	}
	if err != nil {
		return image.Config{}, "", fmt.Errorf("%s image header: %w", format, err)
	}
	if !slices.Contains(imageFormats, format) {
		return image.Config{}, "", fmt.Errorf("a %s image: only PNG, JPEG and GIF are read", format)
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	if w < 1 || h < 1 {
		return image.Config{}, "", fmt.Errorf("%s image of %dx%d pixels has no pixels", format, w, h)
	}
	// Each side is below 2^32 in these formats, so the product cannot
	// overflow.
	if limit := limits.maxPixels(); w*h > limit {
		return image.Config{}, "", fmt.Errorf("%s image of %dx%d = %d pixels, more than the limit of %d: refusing to decode", format, w, h, w*h, limit)
	}
	return cfg, format, nil
}
