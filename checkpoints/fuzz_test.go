package checkpoints

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

func FuzzLoad(f *testing.F) {
	// Seeds are kept small: the fuzzer minimises every input that finds new
	// coverage, and the time that takes grows with the input's length.
	valid, err := encode(&Checkpoint{
		Meta: Meta{Kind: "g", Step: 3, Config: []byte(`[1]`)},
		Tensors: []Tensor{
			{Name: "w", Shape: []int{2, 2}, Data: []float32{1, float32(math.Copysign(0, -1)), 2.5, 3}},
			{Name: "b", Shape: []int{2}, Data: []float32{0.5, -1}},
			{Name: "s", Shape: []int{}, Data: []float32{4}},
			{Name: "e", Shape: []int{0, 3}, Data: nil},
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add(valid[:12])
	f.Add(append(bytes.Clone(valid), 0, 0, 0, 0))
	bumped := bytes.Clone(valid)
	binary.LittleEndian.PutUint64(bumped, binary.LittleEndian.Uint64(bumped)+4)
	f.Add(bumped)
	f.Add(bytes.Replace(valid, []byte(`"F32"`), []byte(`"F16"`), 1))
	f.Add(bytes.Replace(valid, []byte(`[2,2]`), []byte(`[2,3]`), 1))
	f.Add([]byte{})
	f.Add(make([]byte, 8))
	f.Add(rawFile(`{}`, nil))
	f.Add(rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32bytes(1, 2)))

	// The bytes are decoded in memory with Parse, which runs every check
	// Load runs after reading the file: writing each input to disk made
	// the file system, not the decoder, the cost of an execution (tens of
	// executions in 10 s, against thousands in memory).
	f.Fuzz(func(t *testing.T, file []byte) {
		c, err := Parse("fuzz", file)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "checkpoints: fuzz: ") {
				t.Fatalf("error %q does not start with the package and name", err)
			}
			return
		}

		finite := true
		for i, tn := range c.Tensors {
			n, err := numElements(tn.Shape, math.MaxInt64)
			if err != nil || n != int64(len(tn.Data)) {
				t.Fatalf("tensor %q: shape %v but %d values (%v)", tn.Name, tn.Shape, len(tn.Data), err)
			}
			if i > 0 && c.Tensors[i-1].Name >= tn.Name {
				t.Fatalf("tensors not in strict name order: %q then %q", c.Tensors[i-1].Name, tn.Name)
			}
			for _, v := range tn.Data {
				finite = finite && !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
			}
		}
		if !finite {
			return
		}
		// Whatever Load accepts with finite values, Save must be able to
		// write back, and reading that gives the same tensors again.
		again, err := encode(c)
		if err != nil {
			t.Fatalf("re-encoding a loaded checkpoint: %v", err)
		}
		c2, err := decode(again)
		if err != nil {
			t.Fatalf("decoding a re-encoded checkpoint: %v", err)
		}
		sameTensors(t, c.Tensors, c2.Tensors)
		m1, err1 := marshalJSON(c.Meta)
		m2, err2 := marshalJSON(c2.Meta)
		if err1 != nil || err2 != nil || !bytes.Equal(m1, m2) {
			t.Fatalf("meta changed on re-encoding: %s (%v) vs %s (%v)", m1, err1, m2, err2)
		}
	})
}
