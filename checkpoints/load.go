package checkpoints

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gorgozoo/gorgozoo/internal/regularfile"
)

// ErrNotSafetensors is returned (wrapped) by [Load] and [Parse] for a file
// whose first bytes cannot open a safetensors file.
var ErrNotSafetensors = errors.New("not a safetensors file")

// Load reads a safetensors file. Every error begins with
// "checkpoints: <path>:". The file is treated as untrusted: all lengths,
// shapes and offsets are checked against the file's real size before
// anything is allocated for them, and the tensors must cover the data
// buffer exactly, as the format requires. Only F32 tensors are accepted.
//
// Files that carry no gorgozoo metadata, such as those written by PyTorch,
// load with a zero Meta. Non-finite values are returned as they are: unlike
// Save, Load cannot destroy anything by accepting them, and the caller may
// want to inspect a diverged run.
func Load(path string) (*Checkpoint, error) {
	buf, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %s: %w", path, err)
	}
	c, err := decode(buf)
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %s: %w", path, err)
	}
	c.path = path
	return c, nil
}

// readFile reads a whole regular file of at most maxFileSize bytes.
func readFile(path string) ([]byte, error) {
	f, fi, err := regularfile.Open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	if fi.Size() > maxFileSize {
		return nil, fmt.Errorf("file is %d bytes, more than the limit of %d", fi.Size(), int64(maxFileSize))
	}
	buf := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("file shrank while being read")
		}
		return nil, unwrapPath(err)
	}
	// A file that is still growing is being written by someone else, and
	// whatever we read is not a finished checkpoint.
	var probe [1]byte
	if n, _ := f.Read(probe[:]); n > 0 {
		return nil, errors.New("file grew while being read")
	}
	return buf, nil
}

// unwrapPath drops the path from os errors, since Load's own prefix names
// the file already, while keeping errors.Is(err, fs.ErrNotExist) working.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// span is a tensor's place in the data buffer while the layout is checked.
type span struct {
	name       string
	shape      []int
	begin, end int64
}

// decode parses the bytes of a safetensors file.
func decode(buf []byte) (*Checkpoint, error) {
	// A safetensors file opens with a plausible header length and then
	// "{". Anything else is some other file given by mistake (a run's
	// config.json, an image), better named as such than by the header
	// length its first bytes happen to spell.
	if len(buf) < 8 {
		return nil, fmt.Errorf("%w: the file is %d bytes, too short to hold the 8-byte header length", ErrNotSafetensors, len(buf))
	}
	n := binary.LittleEndian.Uint64(buf)
	if n > maxHeaderSize {
		return nil, fmt.Errorf("%w: the header length its first 8 bytes give, %d, exceeds the limit of %d", ErrNotSafetensors, n, maxHeaderSize)
	}
	if len(buf) == 8 || buf[8] != '{' {
		return nil, fmt.Errorf("%w: the header is not a JSON object", ErrNotSafetensors)
	}
	if n > uint64(len(buf)-8) {
		return nil, fmt.Errorf("header length %d exceeds the %d bytes that follow it", n, len(buf)-8)
	}
	header, data := buf[8:8+n], buf[8+n:]

	metadata, spans, err := parseHeader(header, int64(len(data)))
	if err != nil {
		return nil, err
	}
	meta, err := parseMeta(metadata)
	if err != nil {
		return nil, err
	}
	if err := checkLayout(spans, int64(len(data))); err != nil {
		return nil, err
	}

	// The layout check guarantees the tensors tile the buffer exactly, so
	// this allocation is bounded by the file's size. One backing array
	// serves all tensors; capped slices keep an append to one tensor from
	// overwriting the next.
	all := make([]float32, len(data)/4)
	for i := range all {
		all[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	slices.SortFunc(spans, func(a, b span) int { return strings.Compare(a.name, b.name) })
	c := &Checkpoint{Meta: meta, Tensors: make([]Tensor, 0, len(spans))}
	for _, s := range spans {
		lo, hi := s.begin/4, s.end/4
		c.Tensors = append(c.Tensors, Tensor{Name: s.name, Shape: s.shape, Data: all[lo:hi:hi]})
	}
	return c, nil
}

// parseHeader reads the JSON header: the __metadata__ object, if any, and
// one span per tensor, each checked on its own against the data length.
func parseHeader(header []byte, dataLen int64) (map[string]string, []span, error) {
	if !utf8.Valid(header) {
		return nil, nil, errors.New("header is not valid UTF-8")
	}
	if len(header) == 0 || header[0] != '{' {
		return nil, nil, errors.New("header is not a JSON object")
	}
	// Walk the top-level object by tokens rather than unmarshalling it into
	// a map, which would silently keep only the last of duplicate keys.
	dec := json.NewDecoder(bytes.NewReader(header))
	if _, err := dec.Token(); err != nil {
		return nil, nil, fmt.Errorf("header: invalid JSON: %w", err)
	}
	var (
		metadata map[string]string
		spans    []span
		seen     = make(map[string]bool)
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("header: invalid JSON: %w", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("header: invalid JSON: unexpected %v", tok)
		}
		if seen[name] {
			return nil, nil, fmt.Errorf("header: key %q appears more than once", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("header: invalid JSON after key %q: %w", name, err)
		}
		if name == metadataKey {
			if err := json.Unmarshal(raw, &metadata); err != nil {
				return nil, nil, fmt.Errorf("header: %s must map strings to strings: %w", metadataKey, err)
			}
			continue
		}
		s, err := parseEntry(name, raw, dataLen)
		if err != nil {
			return nil, nil, err
		}
		spans = append(spans, s)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, fmt.Errorf("header: invalid JSON: %w", err)
	}
	// Writers pad the header with spaces for alignment; anything else after
	// the object means the header length or the JSON is wrong.
	if rest := header[dec.InputOffset():]; len(bytes.TrimLeft(rest, " \t\r\n")) > 0 {
		return nil, nil, fmt.Errorf("header: unexpected bytes after the JSON object at offset %d", dec.InputOffset())
	}
	return metadata, spans, nil
}

// parseEntry checks one tensor's header record against the data length.
func parseEntry(name string, raw json.RawMessage, dataLen int64) (span, error) {
	if name == "" {
		return span{}, errors.New("header: tensor with an empty name")
	}
	// A map rather than a struct: struct decoding matches field names
	// case-insensitively, and the format's keys are exact.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return span{}, fmt.Errorf("tensor %q: entry is not a JSON object", name)
	}
	var (
		dtype   string
		shape64 []int64
		offsets []int64
	)
	for _, f := range []struct {
		key string
		dst any
	}{{"dtype", &dtype}, {"shape", &shape64}, {"data_offsets", &offsets}} {
		v, ok := fields[f.key]
		if !ok || string(v) == "null" {
			return span{}, fmt.Errorf("tensor %q: missing %s", name, f.key)
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return span{}, fmt.Errorf("tensor %q: invalid %s: %w", name, f.key, err)
		}
	}
	if dtype != dtypeF32 {
		return span{}, fmt.Errorf("tensor %q has dtype %q; only %s is supported", name, dtype, dtypeF32)
	}

	// Any dimension above this limit cannot fit in the file, and rejecting
	// it here keeps the conversion to int safe on 32-bit platforms.
	const maxDim = maxFileSize / 4
	shape := make([]int, len(shape64))
	for i, d := range shape64 {
		if d < 0 || d > maxDim {
			return span{}, fmt.Errorf("tensor %q: dimension %d out of range in shape %v", name, d, shape64)
		}
		shape[i] = int(d)
	}
	count, err := numElements(shape, dataLen/4)
	if err != nil {
		return span{}, fmt.Errorf("tensor %q: %w", name, err)
	}

	if len(offsets) != 2 {
		return span{}, fmt.Errorf("tensor %q: data_offsets has %d values, want 2", name, len(offsets))
	}
	begin, end := offsets[0], offsets[1]
	if begin < 0 || end < begin || end > dataLen {
		return span{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] out of range for a data buffer of %d bytes", name, begin, end, dataLen)
	}
	if end-begin != count*4 {
		return span{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] span %d bytes, but shape %v needs %d", name, begin, end, end-begin, shape, count*4)
	}
	return span{name: name, shape: shape, begin: begin, end: end}, nil
}

// checkLayout enforces that the tensors tile the data buffer: no gaps, no
// overlaps, nothing left over. Without it, bytes could hide in a file
// unseen, or two tensors could alias each other.
func checkLayout(spans []span, dataLen int64) error {
	sorted := slices.Clone(spans)
	slices.SortFunc(sorted, func(a, b span) int {
		if a.begin != b.begin {
			return cmp.Compare(a.begin, b.begin)
		}
		if a.end != b.end {
			return cmp.Compare(a.end, b.end)
		}
		return strings.Compare(a.name, b.name)
	})
	var pos int64
	prev := "the start of the data"
	for _, s := range sorted {
		switch {
		case s.begin < pos:
			return fmt.Errorf("tensor %q at [%d, %d] overlaps %s", s.name, s.begin, s.end, prev)
		case s.begin > pos:
			return fmt.Errorf("tensor %q at [%d, %d] leaves a gap of %d bytes after %s", s.name, s.begin, s.end, s.begin-pos, prev)
		}
		pos = s.end
		prev = fmt.Sprintf("tensor %q", s.name)
	}
	if pos != dataLen {
		return fmt.Errorf("tensors cover %d bytes of data, but the file has %d (trailing bytes)", pos, dataLen)
	}
	return nil
}

// parseMeta recovers the Meta that Save stored, if the file has one.
func parseMeta(metadata map[string]string) (Meta, error) {
	var meta Meta
	s, ok := metadata[metaKey]
	if !ok {
		return meta, nil
	}
	// Unknown fields are ignored so that files from newer versions, which
	// may add fields, still load.
	if err := json.Unmarshal([]byte(s), &meta); err != nil {
		return Meta{}, fmt.Errorf("metadata: invalid %q entry: %w", metaKey, err)
	}
	if kind, ok := metadata[kindKey]; ok && kind != meta.Kind {
		return Meta{}, fmt.Errorf("metadata: kind %q disagrees with %q in the %q entry", kind, meta.Kind, metaKey)
	}
	return meta, nil
}
