package checkpoints

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadRejectsHostileInput(t *testing.T) {
	lenOnly := func(n uint64, rest string) []byte {
		return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
	}
	one := `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`
	tests := []struct {
		name    string
		file    []byte
		wantErr string
	}{
		{"empty file", nil, "too short"},
		{"seven bytes", []byte{1, 2, 3, 4, 5, 6, 7}, "too short"},
		{"header length past end of file", lenOnly(100, "{}"), "exceeds the 2 bytes"},
		{"header length above cap", lenOnly(1<<40, "{}"), "exceeds the limit"},
		{"header length max uint64", lenOnly(math.MaxUint64, "{}"), "exceeds the limit"},
		{"zero header length", lenOnly(0, ""), "not a JSON object"},
		{"header not an object", rawFile(`[]`, nil), "not a JSON object"},
		{"header leading space", rawFile(` {}`, nil), "not a JSON object"},
		{"truncated JSON", rawFile(`{"w":{"dtype":"F32"`, nil), "invalid JSON"},
		{"unterminated object", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}`, f32bytes(1)), "invalid JSON"},
		{"garbage after JSON", rawFile(`{} x`, nil), "after the JSON object"},
		{"second object after JSON", rawFile(`{}{}`, nil), "after the JSON object"},
		{"invalid UTF-8", rawFile("{\"w\xff\":{}}", nil), "UTF-8"},
		{"F16 dtype", rawFile(`{"gen.fc1.weight":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)), `"gen.fc1.weight" has dtype "F16"`},
		{"F64 dtype", rawFile(`{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)), `"F64"`},
		{"dtype not a string", rawFile(`{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)), "invalid dtype"},
		{"missing dtype", rawFile(`{"w":{"shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)), "missing dtype"},
		{"dtype key in wrong case", rawFile(`{"w":{"DTYPE":"F32","shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)), "missing dtype"},
		{"missing shape", rawFile(`{"w":{"dtype":"F32","data_offsets":[0,4]}}`, f32bytes(1)), "missing shape"},
		{"null shape", rawFile(`{"w":{"dtype":"F32","shape":null,"data_offsets":[0,4]}}`, f32bytes(1)), "missing shape"},
		{"missing offsets", rawFile(`{"w":{"dtype":"F32","shape":[1]}}`, f32bytes(1)), "missing data_offsets"},
		{"entry not an object", rawFile(`{"w":3}`, nil), "not a JSON object"},
		{"entry null", rawFile(`{"w":null}`, nil), "not a JSON object"},
		{"negative dimension", rawFile(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, f32bytes(1)), "out of range"},
		{"fractional dimension", rawFile(`{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, f32bytes(1)), "invalid shape"},
		{"string dimension", rawFile(`{"w":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}`, f32bytes(1)), "invalid shape"},
		{"dimension beyond int64", rawFile(`{"w":{"dtype":"F32","shape":[1e30],"data_offsets":[0,4]}}`, f32bytes(1)), "invalid shape"},
		{"huge dimension", rawFile(`{"w":{"dtype":"F32","shape":[9223372036854775807],"data_offsets":[0,4]}}`, f32bytes(1)), "out of range"},
		{"product overflows", rawFile(`{"w":{"dtype":"F32","shape":[1073741824,1073741824,1073741824,16],"data_offsets":[0,0]}}`, nil), "holds more than"},
		{"product larger than file", rawFile(`{"w":{"dtype":"F32","shape":[1000],"data_offsets":[0,4]}}`, f32bytes(1)), "holds more than"},
		{"offsets do not match shape", rawFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, f32bytes(1, 2)), "needs 8"},
		{"offsets past data", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}`, f32bytes(1)), "out of range"},
		{"offsets reversed", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, f32bytes(1)), "out of range"},
		{"negative offset", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, f32bytes(1)), "out of range"},
		{"three offsets", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, f32bytes(1)), "has 3 values"},
		{"one offset", rawFile(`{"w":{"dtype":"F32","shape":[],"data_offsets":[4]}}`, f32bytes(1)), "has 1 values"},
		{"overlapping tensors", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, f32bytes(1, 2, 3)), `"b" at [4, 12] overlaps tensor "a"`},
		{"identical offsets", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)), "overlaps"},
		{"empty tensor inside another", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}`, f32bytes(1, 2)), `"e"`},
		{"gap between tensors", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, f32bytes(1, 2, 3)), "gap of 4 bytes"},
		{"gap at start", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32bytes(1, 2)), "gap"},
		{"trailing bytes", rawFile(one, f32bytes(1, 2)), "trailing bytes"},
		{"trailing odd byte", rawFile(one, append(f32bytes(1), 0)), "trailing bytes"},
		{"data without tensors", rawFile(`{}`, f32bytes(1)), "trailing bytes"},
		{"duplicate tensor key", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)), `key "w" appears more than once`},
		{"duplicate metadata", rawFile(`{"__metadata__":{},"__metadata__":{}}`, nil), "more than once"},
		{"metadata with number", rawFile(`{"__metadata__":{"step":3}}`, nil), "must map strings to strings"},
		{"metadata not an object", rawFile(`{"__metadata__":"x"}`, nil), "must map strings to strings"},
		{"gorgozoo meta invalid", rawFile(`{"__metadata__":{"gorgozoo":"{not json"}}`, nil), "invalid \"gorgozoo\" entry"},
		{"gorgozoo meta wrong type", rawFile(`{"__metadata__":{"gorgozoo":"{\"step\":\"x\"}"}}`, nil), "invalid \"gorgozoo\" entry"},
		{"kinds disagree", rawFile(`{"__metadata__":{"kind":"vae-mlp","gorgozoo":"{\"kind\":\"gan-mlp\"}"}}`, nil), "disagrees"},
		{"empty tensor name", rawFile(`{"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32bytes(1)), "empty name"},
		{"deep nesting", rawFile(`{"__metadata__":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`}`, nil), "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "hostile.safetensors", tt.file)
			c, err := Load(path)
			assert.Nil(t, c, "a checkpoint alongside the error")
			requireErr(t, err, "checkpoints: "+path+": ", tt.wantErr)
			assert.True(t, strings.HasPrefix(err.Error(), "checkpoints: "+path+": "), "error %q does not start with the package and path", err)
		})
	}
}

func TestLoadAcceptsValidForeignFiles(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want []Tensor
	}{
		{
			// What PyTorch's save_file writes when given no metadata.
			"no metadata",
			rawFile(`{"fc.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"fc.bias":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, f32bytes(1, 2, 3)),
			[]Tensor{{Name: "fc.bias", Shape: []int{1}, Data: []float32{3}}, {Name: "fc.weight", Shape: []int{1, 2}, Data: []float32{1, 2}}},
		},
		{
			"foreign metadata, padded header",
			rawFile(`{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}      `, f32bytes(-1)),
			[]Tensor{{Name: "w", Shape: []int{}, Data: []float32{-1}}},
		},
		{
			"null metadata, newline padding",
			rawFile("{\"__metadata__\":null,\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}\n\t ", f32bytes(2)),
			[]Tensor{{Name: "w", Shape: []int{1}, Data: []float32{2}}},
		},
		{
			// Data order need not follow name order.
			"data in reverse name order",
			rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32bytes(10, 20)),
			[]Tensor{{Name: "a", Shape: []int{1}, Data: []float32{20}}, {Name: "b", Shape: []int{1}, Data: []float32{10}}},
		},
		{
			"unknown entry fields ignored, empty tensors between others",
			rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"note":"x"},"e":{"dtype":"F32","shape":[3,0],"data_offsets":[4,4]},"z":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32bytes(1, 2)),
			[]Tensor{{Name: "a", Shape: []int{1}, Data: []float32{1}}, {Name: "e", Shape: []int{3, 0}, Data: []float32{}}, {Name: "z", Shape: []int{1}, Data: []float32{2}}},
		},
		{
			// Load does not refuse what the file holds; only Save does.
			"NaN and Inf values",
			rawFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, f32bytes(float32(math.NaN()), float32(math.Inf(-1)))),
			[]Tensor{{Name: "w", Shape: []int{2}, Data: []float32{float32(math.NaN()), float32(math.Inf(-1))}}},
		},
		{"empty header object", rawFile(`{}`, nil), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeTemp(t, "foreign.safetensors", tt.file))
			require.NoError(t, err)
			assert.Empty(t, c.Meta.Kind, "kind of a foreign file")
			assert.Zero(t, c.Meta.Step, "step of a foreign file")
			sameTensors(t, tt.want, c.Tensors)
		})
	}
}

// TestLoadSaysNotSafetensors: files of another kind, given by mistake, are
// named as such, while a truncated checkpoint is not mistaken for one.
func TestLoadSaysNotSafetensors(t *testing.T) {
	saved := filepath.Join(t.TempDir(), "good.safetensors")
	require.NoError(t, Save(saved, &Checkpoint{Tensors: []Tensor{{Name: "w", Shape: []int{2}, Data: []float32{1, 2}}}}))
	good := mustRead(t, saved)
	tests := []struct {
		name    string
		file    []byte
		wantNot bool // want ErrNotSafetensors
		wantErr string
	}{
		{"config.json", []byte("{\n  \"command\": \"train-vae\",\n  \"flags\": {}\n}\n"), true, "exceeds the limit of 100000000"},
		{"empty", nil, true, "too short"},
		{"short text", []byte("hello\n"), true, "too short"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), true, "exceeds the limit"},
		{"small length, no JSON after it", append(binary.LittleEndian.AppendUint64(nil, 4), "abcd"...), true, "not a JSON object"},
		{"truncated checkpoint", good[:len(good)/2], false, "exceeds the"},
		{"checkpoint missing its data", good[:len(good)-4], false, `tensor "w"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "config.json", tt.file)
			_, err := Load(path)
			requireErr(t, err, "checkpoints: "+path+": ", tt.wantErr)
			assert.Equal(t, tt.wantNot, errors.Is(err, ErrNotSafetensors), "errors.Is(%v, ErrNotSafetensors)", err)
			if tt.wantNot {
				assert.ErrorContains(t, err, path+": not a safetensors file: ")
			}
		})
	}
}

func TestLoadFileProblems(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.safetensors")
	_, err := Load(missing)
	requireErr(t, err, "checkpoints: "+missing+": ")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, 1, strings.Count(err.Error(), missing), "times the error %q names the path", err)

	_, err = Load(dir)
	requireErr(t, err, "checkpoints: "+dir+": ", "not a regular file")
}
