package checkpoints

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// awkwardValues are the float32 values most likely to be mangled by a
// careless encoder.
var awkwardValues = []float32{
	0,
	math.Float32frombits(0x80000000), // -0
	math.Float32frombits(0x00000001), // smallest denormal
	math.Float32frombits(0x007fffff), // largest denormal
	math.Float32frombits(0x80000001), // negative denormal
	math.SmallestNonzeroFloat32,
	math.MaxFloat32,
	-math.MaxFloat32,
	1, -1, math.Pi, 1e-30, 123456.789,
}

func TestRoundTripBitExact(t *testing.T) {
	seq := func(n int) []float32 {
		out := make([]float32, n)
		for i := range out {
			// Negation, unlike scaling, cannot overflow MaxFloat32.
			out[i] = awkwardValues[i%len(awkwardValues)]
			if i%2 == 1 {
				out[i] = -out[i]
			}
		}
		return out
	}
	tests := []struct {
		name    string
		tensors []Tensor
	}{
		{"no tensors", nil},
		{"awkward values", []Tensor{{Name: "v", Shape: []int{len(awkwardValues)}, Data: awkwardValues}}},
		{"scalar", []Tensor{{Name: "s", Shape: []int{}, Data: []float32{-0.5}}}},
		{"scalar with nil shape", []Tensor{{Name: "s", Shape: nil, Data: []float32{7}}}},
		{"matrix", []Tensor{{Name: "gen.fc1.weight", Shape: []int{3, 4}, Data: seq(12)}}},
		{"4-D", []Tensor{{Name: "conv.weight", Shape: []int{2, 1, 3, 2}, Data: seq(12)}}},
		{"empty tensors", []Tensor{
			{Name: "e0", Shape: []int{0}, Data: []float32{}},
			{Name: "e1", Shape: []int{5, 0, 2}, Data: nil},
			{Name: "x", Shape: []int{2}, Data: []float32{1, 2}},
		}},
		{"many, names needing escapes", []Tensor{
			{Name: "disc.fc2.bias", Shape: []int{1}, Data: []float32{0.25}},
			{Name: "a<b>&\"quoted\"", Shape: []int{2}, Data: []float32{3, 4}},
			{Name: "ünïcode.weight", Shape: []int{1, 1}, Data: []float32{5}},
			{Name: "optim.m.gen.fc1.weight", Shape: []int{2, 2}, Data: seq(4)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.safetensors")
			require.NoError(t, Save(path, &Checkpoint{Meta: Meta{Kind: "test"}, Tensors: tt.tensors}))
			got, err := Load(path)
			require.NoError(t, err)
			// Load returns tensors in name order; scalars come back as [].
			want := slices.Clone(tt.tensors)
			slices.SortFunc(want, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
			for i := range want {
				if want[i].Shape == nil {
					want[i].Shape = []int{}
				}
			}
			sameTensors(t, want, got.Tensors)
			for _, tn := range got.Tensors {
				assert.NotNil(t, tn.Shape, "tensor %q: loaded shape", tn.Name)
			}
		})
	}
}

func TestLoadedTensorsDoNotAlias(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.safetensors")
	in := &Checkpoint{Tensors: []Tensor{
		{Name: "a", Shape: []int{2}, Data: []float32{1, 2}},
		{Name: "b", Shape: []int{2}, Data: []float32{3, 4}},
	}}
	require.NoError(t, Save(path, in))
	c, err := Load(path)
	require.NoError(t, err)
	a, _ := c.Find("a")
	_ = append(a.Data, 99)
	b, _ := c.Find("b")
	assert.Equal(t, float32(3), b.Data[0], "tensor b after appending to tensor a")
}

func TestMetaRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		meta Meta
	}{
		{"zero", Meta{}},
		{"full", Meta{
			Kind:     "gan-mlp",
			Config:   json.RawMessage(`{"hidden":[128,64],"latent":16,"act":"leaky<relu>"}`),
			Step:     1<<53 + 1,
			Epoch:    12,
			Seed:     math.MaxUint64,
			Versions: map[string]string{"go": "go1.26", "gorgonia": "v0.9.18", "gorgozoo": "dev"},
			Extra:    map[string]string{"rng": "AAECAw==", "adam.beta1": "0.9", "quote": `"\n`},
		}},
		{"config only", Meta{Kind: "vae-mlp", Config: json.RawMessage(`[1,2,3]`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.safetensors")
			require.NoError(t, Save(path, &Checkpoint{Meta: tt.meta}))
			got, err := Load(path)
			require.NoError(t, err)
			assert.Equal(t, tt.meta, got.Meta, "meta round trip")
		})
	}
}

func TestDeterministicBytes(t *testing.T) {
	// The same content in different tensor and map orders must give the
	// same file.
	mk := func(reverse bool) *Checkpoint {
		ts := []Tensor{
			{Name: "b.weight", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}},
			{Name: "a.bias", Shape: []int{2}, Data: []float32{5, 6}},
			{Name: "c", Shape: []int{}, Data: []float32{7}},
		}
		if reverse {
			slices.Reverse(ts)
		}
		return &Checkpoint{
			Meta: Meta{
				Kind: "k", Step: 3,
				Versions: map[string]string{"x": "1", "y": "2", "z": "3"},
				Extra:    map[string]string{"p": "1", "q": "2", "r": "3"},
			},
			Tensors: ts,
		}
	}
	dir := t.TempDir()
	var files [][]byte
	for i, reverse := range []bool{false, false, true} {
		path := filepath.Join(dir, "d"+string(rune('0'+i))+".safetensors")
		require.NoError(t, Save(path, mk(reverse)))
		files = append(files, mustRead(t, path))
	}
	sameBytes(t, "second save", files[0], files[1])
	sameBytes(t, "save with reversed tensor order", files[0], files[2])
}

// TestGoldenLayout parses a written file by hand, byte by byte, against the
// format's specification rather than against our own reader.
func TestGoldenLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.safetensors")
	c := &Checkpoint{
		Meta: Meta{Kind: "test", Step: 7, Epoch: 1, Seed: 42},
		Tensors: []Tensor{
			{Name: "b", Shape: []int{2}, Data: []float32{1, 2}},
			{Name: "a", Shape: []int{}, Data: []float32{float32(math.Copysign(0, -1))}},
		},
	}
	require.NoError(t, Save(path, c))
	file := mustRead(t, path)

	const wantHeader = `{"__metadata__":{"format":"gorgozoo","gorgozoo":"{\"kind\":\"test\",\"step\":7,\"epoch\":1,\"seed\":42}","kind":"test"},` +
		`"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},` +
		`"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`
	wantData := []byte{
		0x00, 0x00, 0x00, 0x80, // a = -0
		0x00, 0x00, 0x80, 0x3f, // b[0] = 1
		0x00, 0x00, 0x00, 0x40, // b[1] = 2
	}

	require.GreaterOrEqual(t, len(file), 8, "file length")
	n := binary.LittleEndian.Uint64(file[:8])
	assert.Zero(t, n%8, "header length %d is not a multiple of 8, so the data is not 8-byte aligned", n)
	require.Equal(t, 8+n+uint64(len(wantData)), uint64(len(file)), "file length: 8 + %d + %d", n, len(wantData))
	header := file[8 : 8+n]
	trimmed := bytes.TrimRight(header, " ")
	assert.Equal(t, wantHeader, string(trimmed), "header")
	assert.Less(t, len(header)-len(trimmed), 8, "spaces padding the header")
	data := file[8+n:]
	assert.Equal(t, wantData, data, "data")

	// The header must also make sense to a generic JSON reader, with every
	// offset pointing at the right bytes.
	var generic map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(header, &generic), "header is not valid JSON")
	var md map[string]string
	require.NoError(t, json.Unmarshal(generic["__metadata__"], &md), "__metadata__ is not a string map")
	assert.Equal(t, "gorgozoo", md["format"], "__metadata__ format")
	assert.Equal(t, "test", md["kind"], "__metadata__ kind")
	var entry struct {
		Dtype       string  `json:"dtype"`
		Shape       []int   `json:"shape"`
		DataOffsets []int64 `json:"data_offsets"`
	}
	require.NoError(t, json.Unmarshal(generic["b"], &entry))
	got := data[entry.DataOffsets[0]:entry.DataOffsets[1]]
	assert.Equal(t, f32bytes(1, 2), got, "bytes at b's offsets")
}

func TestSaveRefusesBadInput(t *testing.T) {
	good := Tensor{Name: "ok", Shape: []int{1}, Data: []float32{1}}
	tests := []struct {
		name    string
		c       *Checkpoint
		wantErr []string
	}{
		{"nil checkpoint", nil, []string{"nil checkpoint"}},
		{"empty name", &Checkpoint{Tensors: []Tensor{good, {Shape: []int{1}, Data: []float32{1}}}}, []string{"empty name"}},
		{"duplicate name", &Checkpoint{Tensors: []Tensor{good, {Name: "dup", Shape: []int{1}, Data: []float32{1}}, {Name: "dup", Shape: []int{1}, Data: []float32{2}}}}, []string{`"dup"`, "more than once"}},
		{"reserved name", &Checkpoint{Tensors: []Tensor{{Name: "__metadata__", Shape: []int{1}, Data: []float32{1}}}}, []string{`"__metadata__"`, "reserved"}},
		{"invalid UTF-8 name", &Checkpoint{Tensors: []Tensor{{Name: "bad\xff", Shape: []int{1}, Data: []float32{1}}}}, []string{"UTF-8"}},
		{"too little data", &Checkpoint{Tensors: []Tensor{good, {Name: "short", Shape: []int{2, 3}, Data: make([]float32, 5)}}}, []string{`"short"`, "[2 3]", "6", "5"}},
		{"too much data", &Checkpoint{Tensors: []Tensor{{Name: "long", Shape: []int{2}, Data: make([]float32, 3)}}}, []string{`"long"`}},
		{"scalar without data", &Checkpoint{Tensors: []Tensor{{Name: "s", Shape: []int{}}}}, []string{`"s"`}},
		{"negative dimension", &Checkpoint{Tensors: []Tensor{{Name: "neg", Shape: []int{-1, -2}, Data: make([]float32, 2)}}}, []string{`"neg"`, "negative"}},
		{"NaN", &Checkpoint{Tensors: []Tensor{good, {Name: "gen.fc1.weight", Shape: []int{3}, Data: []float32{1, float32(math.NaN()), 3}}}}, []string{`"gen.fc1.weight"`, "NaN", "value 1"}},
		{"+Inf", &Checkpoint{Tensors: []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{float32(math.Inf(1))}}}}, []string{`"w"`, "+Inf"}},
		{"-Inf", &Checkpoint{Tensors: []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{float32(math.Inf(-1))}}}}, []string{`"w"`, "-Inf"}},
		{"invalid config JSON", &Checkpoint{Meta: Meta{Config: json.RawMessage(`{"a":`)}}, []string{"metadata"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "good.safetensors")
			require.NoError(t, Save(path, &Checkpoint{Meta: Meta{Kind: "good"}, Tensors: []Tensor{good}}))
			before := mustRead(t, path)

			err := Save(path, tt.c)
			requireErr(t, err, append([]string{"checkpoints: " + path + ":"}, tt.wantErr...)...)

			sameBytes(t, "existing checkpoint after refused save", before, mustRead(t, path))
			assert.Equal(t, []string{"good.safetensors"}, dirNames(t, dir), "folder after a refused save")
		})
	}
}

func TestSaveFailureLeavesNoTempFile(t *testing.T) {
	c := &Checkpoint{Tensors: []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}}}
	t.Run("rename onto a non-empty folder", func(t *testing.T) {
		// The write and sync succeed, the rename fails: the temporary file
		// must be removed and the folder in the way left alone.
		dir := t.TempDir()
		target := filepath.Join(dir, "taken")
		require.NoError(t, os.MkdirAll(filepath.Join(target, "inner"), 0o755))
		requireErr(t, Save(target, c), "checkpoints: "+target+":")
		assert.Equal(t, []string{"taken"}, dirNames(t, dir), "folder after the failed save")
		assert.Equal(t, []string{"inner"}, dirNames(t, target), "folder in the way after the failed save")
	})
	t.Run("missing parent folder", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "no", "such", "c.safetensors")
		requireErr(t, Save(path, c), "checkpoints: "+path+":")
	})
	t.Run("empty path", func(t *testing.T) {
		requireErr(t, Save("", c), "empty path")
	})
}

func TestSaveReplacesExistingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.safetensors")
	for i, v := range []float32{1, 2} {
		require.NoError(t, Save(path, &Checkpoint{Meta: Meta{Step: int64(i)}, Tensors: []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{v}}}}))
	}
	c, err := Load(path)
	require.NoError(t, err)
	w, _ := c.Find("w")
	assert.Equal(t, int64(1), c.Meta.Step, "step after two saves")
	assert.Equal(t, []float32{2}, w.Data, "w after two saves")
	assert.Equal(t, []string{"c.safetensors"}, dirNames(t, dir), "folder after two saves")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	perm := fi.Mode().Perm()
	assert.NotZero(t, perm&0o044, "checkpoint has mode %v; want it readable by others like ordinary output", perm)
}
