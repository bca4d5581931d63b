package datasets

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/internal/regularfile/regularfiletest"
)

// requireOneLineErr checks that err is a one-line error holding each of
// want.
func requireOneLineErr(t *testing.T, err error, want ...string) {
	t.Helper()
	require.Error(t, err)
	require.NotContains(t, err.Error(), "\n", "the error is not one line")
	for _, w := range want {
		require.ErrorContains(t, err, w)
	}
}

// TestReadersRefuseSpecialFiles puts a folder, a named pipe and a device
// where each reader expects a file: each refuses it promptly, without
// reading, with an error naming it.
func TestReadersRefuseSpecialFiles(t *testing.T) {
	readers := []struct {
		name string
		// read reads with the special file at path; labels is a good
		// label file of 3 items in the same folder.
		read func(path, labels string) error
		// base is the name the special file must have.
		base string
	}{
		{"ReadIDX", func(path, _ string) error { _, err := ReadIDX(path); return err }, "any-name"},
		{"LoadIDXPair images", func(path, labels string) error { _, err := LoadIDXPair(path, labels); return err }, "images"},
		{"LoadIDXPair labels", func(path, _ string) error {
			images := filepath.Join(filepath.Dir(path), "images")
			if err := WriteIDX(images, &IDX{Dims: []int{3, 2, 2}, Data: make([]byte, 12)}); err != nil {
				return err
			}
			_, err := LoadIDXPair(images, path)
			return err
		}, "labels"},
		{"MNIST images", func(path, labels string) error {
			dir := filepath.Dir(path)
			if err := os.Rename(labels, filepath.Join(dir, "train-labels-idx1-ubyte")); err != nil {
				return err
			}
			_, err := MNIST(Train, dir)
			return err
		}, "train-images-idx3-ubyte"},
		{"MNIST gzipped labels", func(path, _ string) error {
			dir := filepath.Dir(path)
			err := WriteIDX(filepath.Join(dir, "t10k-images-idx3-ubyte"), &IDX{Dims: []int{3, 2, 2}, Data: make([]byte, 12)})
			if err != nil {
				return err
			}
			_, err = MNIST(Test, dir)
			return err
		}, "t10k-labels-idx1-ubyte.gz"},
		{"ReadImage", func(path, _ string) error { _, _, err := ReadImage(path, ImageLimits{}); return err }, "a.png"},
	}
	for _, kind := range regularfiletest.Kinds() {
		for _, r := range readers {
			t.Run(string(kind)+"/"+r.name, func(t *testing.T) {
				dir := t.TempDir()
				labels := filepath.Join(dir, "labels-ok")
				require.NoError(t, WriteIDX(labels, &IDX{Dims: []int{3}, Data: []byte{1, 2, 3}}))
				path := filepath.Join(dir, r.base)
				regularfiletest.Make(t, kind, path)
				var err error
				regularfiletest.Bounded(t, regularfiletest.AllocLimit, func() { err = r.read(path, labels) })
				requireOneLineErr(t, err, "datasets: open "+path+": not a regular file")
			})
		}
	}
}

// pngChunk encodes one PNG chunk with its checksum.
func pngChunk(kind string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, kind...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// pngBomb is a 67-byte PNG that declares a w×h 16-bit RGBA image: decoding
// it would allocate w*h*8 bytes before finding the pixels missing.
func pngBomb(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 16, 6, 0, 0, 0) // 16 bits, RGBA, deflate, no filter, no interlace
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, pngChunk("IHDR", ihdr)...)
	b = append(b, pngChunk("IDAT", []byte{0x78, 0x9c, 0x63, 0, 0, 0, 0, 1, 0, 1})...)
	return append(b, pngChunk("IEND", nil)...)
}

// jpegBomb is a baseline JPEG header that declares a w×h grey image.
func jpegBomb(w, h uint16) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 11, 8}
	b = binary.BigEndian.AppendUint16(b, h)
	b = binary.BigEndian.AppendUint16(b, w)
	b = append(b, 1, 1, 0x11, 0)
	// The decoders read the header up to the start of the scan.
	b = append(b, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0)
	return append(b, 0xff, 0xd9)
}

// gifBomb is a GIF whose logical screen is w×h pixels.
func gifBomb(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	return append(b, 0, 0, 0, 0x3b)
}

// TestImageBombs gives the image readers small files that declare huge
// images: each is refused from its header, before any pixel is allocated.
func TestImageBombs(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"PNG 50000x50000 RGBA64", pngBomb(50000, 50000), "png image of 50000x50000 = 2500000000 pixels, more than the limit of 65536"},
		{"PNG 2^31-1 square", pngBomb(1<<31-1, 1<<31-1), "png image header: png: unsupported feature: dimension overflow"},
		{"PNG one row too long", pngBomb(DefaultMaxImagePixels+1, 1), "more than the limit of 65536"},
		{"JPEG 65535x65535", jpegBomb(65535, 65535), "jpeg image of 65535x65535 = 4294836225 pixels"},
		{"GIF 65535x65535", gifBomb(65535, 65535), "gif image of 65535x65535 = 4294836225 pixels"},
		{"GIF 0x0", gifBomb(0, 0), "gif image of 0x0 pixels has no pixels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "bomb.png", tc.file)
			var readErr, decodeErr error
			regularfiletest.Bounded(t, regularfiletest.AllocLimit, func() {
				_, _, readErr = ReadImage(path, ImageLimits{})
				_, _, decodeErr = DecodeImage(bytes.NewReader(tc.file), ImageLimits{})
			})
			requireOneLineErr(t, readErr, "datasets: "+path+": ", tc.want)
			requireOneLineErr(t, decodeErr, "datasets: ", tc.want)
		})
	}
}

// TestDecodeImage decodes small images of each format, at the limit and
// one pixel over it, and files that are no image it reads.
func TestDecodeImage(t *testing.T) {
	grey := image.NewGray(image.Rect(0, 0, 10, 10))
	for i := range grey.Pix {
		grey.Pix[i] = byte(i * 2)
	}
	encode := map[string]func(*bytes.Buffer, image.Image) error{
		"png":  func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) },
		"jpeg": func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) },
		"gif":  func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) },
	}
	for format, enc := range encode {
		var b bytes.Buffer
		require.NoError(t, enc(&b, grey))
		file := b.Bytes()
		for _, limits := range []ImageLimits{{}, {MaxPixels: 100}} {
			img, got, err := DecodeImage(bytes.NewReader(file), limits)
			require.NoError(t, err, "%s with %+v", format, limits)
			require.Equal(t, format, got)
			require.Equal(t, grey.Bounds(), img.Bounds(), format)
		}
		_, _, err := DecodeImage(bytes.NewReader(file), ImageLimits{MaxPixels: 99})
		requireOneLineErr(t, err, format+" image of 10x10 = 100 pixels, more than the limit of 99")
	}

	// PNG is lossless: the bytes the header check read are decoded again.
	path := filepath.Join(t.TempDir(), "grey.png")
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, grey))
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	img, _, err := ReadImage(path, ImageLimits{})
	require.NoError(t, err)
	for i := range grey.Pix {
		x, y := i%10, i/10
		require.Equal(t, color.Gray{Y: grey.Pix[i]}, color.GrayModel.Convert(img.At(x, y)), "pixel (%d, %d)", x, y)
	}

	tests := []struct {
		name   string
		file   []byte
		limits ImageLimits
		want   string
	}{
		{"text", []byte("hello world"), ImageLimits{}, "not a PNG, JPEG or GIF image: image: unknown format"},
		{"empty", nil, ImageLimits{}, "not a PNG, JPEG or GIF image"},
		{"truncated PNG", b.Bytes()[:40], ImageLimits{}, "png image: "},
		{"negative limit", b.Bytes(), ImageLimits{MaxPixels: -1}, "image limit of -1 pixels is negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := DecodeImage(bytes.NewReader(tc.file), tc.limits)
			requireOneLineErr(t, err, "datasets: ", tc.want)
		})
	}
}

// gzipIDXImages is a gzipped IDX file of n zero images of side×side pixels,
// which compresses about a thousand times.
func gzipIDXImages(t *testing.T, n, side int) []byte {
	return gzipBytes(t, idxBytes(0x08, []uint32{uint32(n), uint32(side), uint32(side)}, make([]byte, n*side*side)))
}

// TestReadIDXBoundsImages gives ReadIDX files whose header asks for images
// larger than DefaultMaxImagePixels: each is refused from its header, with
// the sizes, before the payload is allocated.
func TestReadIDXBoundsImages(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"64 images 1024x1024 in a 65 KB gz", gzipIDXImages(t, 64, 1024), "shape 64x1024x1024 has items of 1024x1024 = 1048576 bytes, more than the limit of 65536"},
		{"header only, 1 image 65536x65536", idxBytes(0x08, []uint32{1, 65536, 32768}, nil), "shape 1x65536x32768 has items of 65536x32768"},
		{"rank 2, rows of 65537", gzipBytes(t, idxBytes(0x08, []uint32{2, 65537}, nil)), "shape 2x65537 has items of 65537 = 65537 bytes"},
		{"rank 4, 3 colours of 256x256", idxBytes(0x08, []uint32{10, 256, 256, 3}, nil), "shape 10x256x256x3 has items of 256x256x3 = 196608 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "train-images-idx3-ubyte.gz", tc.file)
			var err error
			regularfiletest.Bounded(t, regularfiletest.AllocLimit, func() { _, err = ReadIDX(path) })
			requireOneLineErr(t, err, "datasets: "+path+": ", tc.want)
		})
	}

	// The limit itself is allowed.
	path := writeFile(t, t.TempDir(), "at-limit", gzipIDXImages(t, 2, 256))
	m, err := ReadIDX(path)
	require.NoError(t, err)
	require.Equal(t, []int{2, 256, 256}, m.Dims)

	// WriteIDX does not write what ReadIDX would refuse.
	path = filepath.Join(t.TempDir(), "too-big")
	err = WriteIDX(path, &IDX{Dims: []int{1, 257, 256}, Data: make([]byte, 257*256)})
	requireOneLineErr(t, err, "datasets: "+path+": shape 1x257x256 has items of 257x256 = 65792 bytes, more than the limit of 65536")
	_, statErr := os.Stat(path)
	require.ErrorIs(t, statErr, os.ErrNotExist)
}

// TestMNISTBoundsImages is the command-line case: a -data folder whose
// images are 1024×1024 fails with an error naming the file.
func TestMNISTBoundsImages(t *testing.T) {
	dir := t.TempDir()
	images := writeFile(t, dir, "train-images-idx3-ubyte.gz", gzipIDXImages(t, 64, 1024))
	require.NoError(t, WriteIDX(filepath.Join(dir, "train-labels-idx1-ubyte"), &IDX{Dims: []int{64}, Data: make([]byte, 64)}))
	var err error
	regularfiletest.Bounded(t, regularfiletest.AllocLimit, func() { _, err = MNIST(Train, dir) })
	requireOneLineErr(t, err, "datasets: "+images+": shape 64x1024x1024")
	require.False(t, strings.Contains(err.Error(), "labels"), "the error names the image file: %v", err)
}

// FuzzDecodeImage feeds DecodeImage arbitrary bytes: it must not panic, and
// an image it returns is within the limit.
func FuzzDecodeImage(f *testing.F) {
	grey := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range grey.Pix {
		grey.Pix[i] = byte(i * 4)
	}
	for _, enc := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return png.Encode(b, grey) },
		func(b *bytes.Buffer) error { return jpeg.Encode(b, grey, nil) },
		func(b *bytes.Buffer) error { return gif.Encode(b, grey, nil) },
	} {
		var b bytes.Buffer
		if err := enc(&b); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Add(pngBomb(50000, 50000))
	f.Add(jpegBomb(65535, 65535))
	f.Add(gifBomb(65535, 65535))
	f.Add([]byte{})

	const limit = 4096
	f.Fuzz(func(t *testing.T, b []byte) {
		img, _, err := DecodeImage(bytes.NewReader(b), ImageLimits{MaxPixels: limit})
		if err != nil {
			return
		}
		if r := img.Bounds(); r.Dx()*r.Dy() > limit {
			t.Fatalf("decoded %v, more than %d pixels", r, limit)
		}
	})
}
