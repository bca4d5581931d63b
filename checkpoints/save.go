package checkpoints

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gorgozoo/gorgozoo/internal/atomicfile"
)

const (
	metadataKey = "__metadata__"
	dtypeF32    = "F32"

	// Keys inside __metadata__. The format only allows string values, so
	// the structured Meta is stored as one JSON string; "format" and "kind"
	// are duplicated as plain strings so that other tools can tell what a
	// file is without parsing nested JSON.
	formatKey   = "format"
	formatValue = "gorgozoo"
	kindKey     = "kind"
	metaKey     = "gorgozoo"

	// maxHeaderSize matches the reference implementation's limit, so every
	// file that loads here also loads in Python and vice versa.
	maxHeaderSize = 100_000_000
	// maxFileSize bounds what Load will read into memory. Save refuses to
	// write anything larger so that it never produces a file Load rejects.
	maxFileSize = 4 << 30
)

// tensorEntry is one tensor's record in the header. Field order follows the
// reference implementation so that our headers look like everyone else's.
type tensorEntry struct {
	Dtype       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// Save writes c to path in safetensors format, atomically: either the whole
// new file is in place when Save returns nil, or any file previously at path
// is left exactly as it was. Tensors are written in name order and header
// keys are sorted, so equal checkpoints produce identical bytes.
//
// Save refuses empty or duplicate names, data whose length does not match
// the shape, and NaN or infinite values, naming the offending tensor.
func Save(path string, c *Checkpoint) error {
	if path == "" {
		return errors.New("checkpoints: empty path")
	}
	if c == nil {
		return fmt.Errorf("checkpoints: %s: nil checkpoint", path)
	}
	buf, err := encode(c)
	if err != nil {
		return fmt.Errorf("checkpoints: %s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path, buf); err != nil {
		return fmt.Errorf("checkpoints: %s: %w", path, err)
	}
	return nil
}

// encode renders c as the bytes of a safetensors file.
func encode(c *Checkpoint) ([]byte, error) {
	tensors := slices.Clone(c.Tensors)
	slices.SortStableFunc(tensors, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })

	header := make(map[string]any, len(tensors)+1)
	var dataLen int64
	for i, t := range tensors {
		if err := checkTensor(t); err != nil {
			return nil, err
		}
		// After sorting, duplicates are neighbours.
		if i > 0 && tensors[i-1].Name == t.Name {
			return nil, fmt.Errorf("tensor %q appears more than once", t.Name)
		}
		size := int64(len(t.Data)) * 4
		if dataLen+size > maxFileSize {
			return nil, fmt.Errorf("tensor %q: checkpoint would exceed %d bytes", t.Name, int64(maxFileSize))
		}
		shape := t.Shape
		if shape == nil {
			// A nil slice would be encoded as null; scalars need [].
			shape = []int{}
		}
		header[t.Name] = tensorEntry{Dtype: dtypeF32, Shape: shape, DataOffsets: [2]int64{dataLen, dataLen + size}}
		dataLen += size
	}

	metaJSON, err := marshalJSON(c.Meta)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	header[metadataKey] = map[string]string{
		formatKey: formatValue,
		kindKey:   c.Meta.Kind,
		metaKey:   string(metaJSON),
	}
	hdr, err := marshalJSON(header)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	// The reference writer pads with spaces so that the data starts 8-byte
	// aligned, which lets readers map the file and view it in place.
	if pad := len(hdr) % 8; pad != 0 {
		hdr = append(hdr, bytes.Repeat([]byte{' '}, 8-pad)...)
	}
	if len(hdr) > maxHeaderSize {
		return nil, fmt.Errorf("header of %d bytes exceeds the limit of %d", len(hdr), maxHeaderSize)
	}
	total := int64(8+len(hdr)) + dataLen
	if total > maxFileSize {
		return nil, fmt.Errorf("checkpoint of %d bytes exceeds the limit of %d", total, int64(maxFileSize))
	}

	out := make([]byte, 0, total)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(hdr)))
	out = append(out, hdr...)
	for _, t := range tensors {
		for _, v := range t.Data {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	}
	return out, nil
}

// checkTensor enforces what Save promises about each tensor.
func checkTensor(t Tensor) error {
	switch {
	case t.Name == "":
		return errors.New("tensor with an empty name")
	case !utf8.ValidString(t.Name):
		// JSON would silently replace the bad bytes, changing the name.
		return fmt.Errorf("tensor %q: name is not valid UTF-8", t.Name)
	case t.Name == metadataKey:
		return fmt.Errorf("tensor %q: name is reserved for metadata", t.Name)
	}
	n, err := numElements(t.Shape, maxFileSize/4)
	if err != nil {
		return fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	if n != int64(len(t.Data)) {
		return fmt.Errorf("tensor %q: shape %v holds %d values but data has %d", t.Name, t.Shape, n, len(t.Data))
	}
	for i, v := range t.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("tensor %q: value %d is %v; refusing to save a non-finite parameter", t.Name, i, v)
		}
	}
	return nil
}

// marshalJSON is json.Marshal without HTML escaping, so that names such as
// "a<b" stay readable in the header; the trailing newline of the Encoder is
// dropped.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}
