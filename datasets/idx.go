package datasets

import (
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/gorgozoo/gorgozoo/internal/atomicfile"
	"github.com/gorgozoo/gorgozoo/internal/regularfile"
)

// IDX is an unsigned-byte IDX array: Data holds the product of Dims bytes
// in row-major order.
type IDX struct {
	Dims []int
	Data []byte
}

const (
	// typeUByte is the only element type this package reads and writes;
	// MNIST and its derivatives use nothing else.
	typeUByte = 0x08

	maxRank = 4

	// maxElements bounds what a header may claim, so that a corrupt or
	// hostile header is rejected before any payload is allocated.
	maxElements = int64(1) << 31

	// maxDeflateRatio is the largest expansion deflate can achieve; it
	// lets a gzip reader size its first buffer from the compressed size
	// instead of trusting the header.
	maxDeflateRatio = 1032
)

// idxTypeNames lets errors for unsupported files say what the file is,
// which is usually enough to tell a user they picked the wrong file.
var idxTypeNames = map[byte]string{
	0x08: "unsigned byte",
	0x09: "signed byte",
	0x0B: "int16",
	0x0C: "int32",
	0x0D: "float32",
	0x0E: "float64",
}

func idxErr(path, format string, args ...any) error {
	return fmt.Errorf("datasets: %s: "+format, append([]any{path}, args...)...)
}

// dimsString renders dims the way people write image shapes, 60000x28x28.
func dimsString[D int | int64](dims []D) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = strconv.FormatInt(int64(d), 10)
	}
	return strings.Join(parts, "x")
}

// ReadIDX reads an unsigned-byte IDX file, gunzipping it first when it
// starts with the gzip magic. The file name does not matter, because
// downloaded data sets are often renamed or decompressed in place. The
// header's shape is checked against the file and the package's limits
// before anything is allocated for the data, and path must be a regular
// file.
func ReadIDX(path string) (*IDX, error) {
	f, st, err := regularfile.Open(path)
	if err != nil {
		// os errors already carry the path; the prefix keeps the style.
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()

	if st.Size() == 0 {
		return nil, idxErr(path, "empty file")
	}

	var magic [2]byte
	n, err := f.ReadAt(magic[:], 0)
	if n < 2 {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, idxErr(path, "file has %d byte(s), too short for an IDX header", n)
		}
		return nil, idxErr(path, "%v", err)
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		return readGzipIDX(path, f, st.Size())
	}
	return readRawIDX(path, f, st.Size())
}

// readHeader reads and validates the header and returns the dims, the
// header length and the payload length it promises.
func readHeader(path string, r io.Reader) (dims []int, headerLen, payload int64, err error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, 0, 0, headerReadErr(path, err)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, 0, 0, idxErr(path, "bad magic %02x %02x, want 00 00: not an IDX file", head[0], head[1])
	}
	if head[2] != typeUByte {
		name, ok := idxTypeNames[head[2]]
		if !ok {
			name = "unknown"
		}
		return nil, 0, 0, idxErr(path, "unsupported element type 0x%02X (%s): only 0x08 (unsigned byte) is supported", head[2], name)
	}
	rank := int(head[3])
	if rank < 1 || rank > maxRank {
		return nil, 0, 0, idxErr(path, "rank %d is not supported: want 1 to %d", rank, maxRank)
	}
	raw := make([]byte, 4*rank)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, 0, 0, headerReadErr(path, err)
	}
	claimed := make([]int64, rank)
	for i := range claimed {
		claimed[i] = int64(binary.BigEndian.Uint32(raw[4*i:]))
		if claimed[i] == 0 {
			return nil, 0, 0, idxErr(path, "dimension %d is zero", i)
		}
	}
	total, err := checkShape(path, claimed)
	if err != nil {
		return nil, 0, 0, err
	}
	dims = make([]int, rank)
	for i, d := range claimed {
		dims[i] = int(d)
	}
	return dims, int64(4 + 4*rank), total, nil
}

// checkShape returns the element count of dims, which are positive and
// below 2^32, after checking it and the size of one item (an image, made
// of the dimensions after the first) against the limits.
func checkShape[D int | int64](path string, dims []D) (int64, error) {
	// total stays at or below 2^31 before each product, so the products
	// cannot overflow int64.
	total := int64(1)
	for _, d := range dims {
		total *= int64(d)
		if total > maxElements || total > math.MaxInt {
			return 0, idxErr(path, "shape %s has more than %d elements", dimsString(dims), maxElements)
		}
	}
	// Each item becomes one input of a model, whose size must be bounded
	// before anything is built for it.
	if item := total / int64(dims[0]); len(dims) > 1 && item > DefaultMaxImagePixels {
		return 0, idxErr(path, "shape %s has items of %s = %d bytes, more than the limit of %d",
			dimsString(dims), dimsString(dims[1:]), item, DefaultMaxImagePixels)
	}
	return total, nil
}

// gzipError marks failures of the decompressor, so that a damaged
// compressed stream is not mistaken for a short IDX file: both surface as
// io.ErrUnexpectedEOF otherwise.
type gzipError struct{ err error }

func (e *gzipError) Error() string { return e.err.Error() }
func (e *gzipError) Unwrap() error { return e.err }

type gzipErrReader struct{ r io.Reader }

func (g gzipErrReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = &gzipError{err}
	}
	return n, err
}

func corruptGzipErr(path string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return idxErr(path, "corrupt gzip stream: compressed data ends early")
	}
	return idxErr(path, "corrupt gzip stream: %v", err)
}

func headerReadErr(path string, err error) error {
	var gz *gzipError
	if errors.As(err, &gz) {
		return corruptGzipErr(path, gz.err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return idxErr(path, "truncated header")
	}
	return idxErr(path, "reading header: %w", err)
}

func truncatedErr(path string, dims []int, want, got int64) error {
	return idxErr(path, "truncated: header says %s (%d bytes) but file has %d", dimsString(dims), want, got)
}

func trailingErr(path string, dims []int, want int64) error {
	return idxErr(path, "trailing garbage: header says %s (%d bytes) but the file holds more data", dimsString(dims), want)
}

func readRawIDX(path string, f *os.File, size int64) (*IDX, error) {
	dims, headerLen, payload, err := readHeader(path, f)
	if err != nil {
		return nil, err
	}
	// Comparing with the file size before allocating means a lying header
	// costs nothing.
	have := size - headerLen
	if have < payload {
		return nil, truncatedErr(path, dims, payload, have)
	}
	if have > payload {
		return nil, idxErr(path, "trailing garbage: header says %s (%d bytes) but file has %d", dimsString(dims), payload, have)
	}
	data := make([]byte, payload)
	if n, err := io.ReadFull(f, data); err != nil {
		// The file shrank after Stat, or the disk failed.
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, truncatedErr(path, dims, payload, int64(n))
		}
		return nil, idxErr(path, "reading data: %w", err)
	}
	return &IDX{Dims: dims, Data: data}, nil
}

func readGzipIDX(path string, f *os.File, compressed int64) (*IDX, error) {
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, corruptGzipErr(path, err)
	}
	defer zr.Close()
	r := gzipErrReader{zr}

	dims, _, payload, err := readHeader(path, r)
	if err != nil {
		return nil, err
	}

	// The header is unverified, so the first buffer is no larger than the
	// compressed size could possibly expand to; honest files still get a
	// single exact allocation.
	want := payload + 1 // one extra byte reveals trailing data
	hint := want
	if bound := compressed * maxDeflateRatio; bound > 0 && bound < hint {
		hint = bound
	}
	buf := make([]byte, 0, hint)
	lr := io.LimitReader(r, want)
	for {
		if len(buf) == cap(buf) {
			grow := max(int64(len(buf)), 4096)
			grow = min(grow, want-int64(len(buf)))
			if grow <= 0 {
				break
			}
			buf = append(buf[:cap(buf)], make([]byte, grow)...)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, corruptGzipErr(path, err)
		}
	}
	got := int64(len(buf))
	switch {
	case got < payload:
		return nil, truncatedErr(path, dims, payload, got)
	case got > payload:
		return nil, trailingErr(path, dims, payload)
	}
	return &IDX{Dims: dims, Data: buf[:payload:payload]}, nil
}

// WriteIDX writes m as an uncompressed IDX file, atomically (see package
// atomicfile): a crash or a full disk never leaves a half-written file
// under the final name.
func WriteIDX(path string, m *IDX) error {
	if m == nil {
		return idxErr(path, "nothing to write (nil IDX)")
	}
	if len(m.Dims) < 1 || len(m.Dims) > maxRank {
		return idxErr(path, "rank %d is not supported: want 1 to %d", len(m.Dims), maxRank)
	}
	header := make([]byte, 4+4*len(m.Dims))
	header[2] = typeUByte
	header[3] = byte(len(m.Dims))
	for i, d := range m.Dims {
		if d <= 0 || int64(d) > math.MaxUint32 {
			return idxErr(path, "dimension %d is %d: want 1 to %d", i, d, uint32(math.MaxUint32))
		}
		binary.BigEndian.PutUint32(header[4+4*i:], uint32(d))
	}
	total, err := checkShape(path, m.Dims)
	if err != nil {
		return err
	}
	if int64(len(m.Data)) != total {
		return idxErr(path, "shape %s needs %d bytes but Data has %d", dimsString(m.Dims), total, len(m.Data))
	}

	err = atomicfile.Write(path, func(w io.Writer) error {
		if _, err := w.Write(header); err != nil {
			return err
		}
		_, err := w.Write(m.Data)
		return err
	})
	if err != nil {
		return idxErr(path, "writing: %w", err)
	}
	return nil
}
