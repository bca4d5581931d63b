package checkpoints

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFind(t *testing.T) {
	c := &Checkpoint{Tensors: []Tensor{
		{Name: "a", Shape: []int{1}, Data: []float32{1}},
		{Name: "b", Shape: []int{2}, Data: []float32{2, 3}},
	}}
	tests := []struct {
		name      string
		c         *Checkpoint
		find      string
		wantOK    bool
		wantFirst float32
	}{
		{"first", c, "a", true, 1},
		{"second", c, "b", true, 2},
		{"absent", c, "c", false, 0},
		{"nil checkpoint", nil, "a", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.c.Find(tt.find)
			require.Equal(t, tt.wantOK, ok, "Find(%q) ok", tt.find)
			if ok {
				assert.Equal(t, tt.find, got.Name, "Find(%q) name", tt.find)
				assert.Equal(t, tt.wantFirst, got.Data[0], "Find(%q) first value", tt.find)
			}
		})
	}
}

func TestExpect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gan.safetensors")
	saved := &Checkpoint{
		Meta: Meta{Kind: "gan-mlp"},
		Tensors: []Tensor{
			{Name: "gen.fc1.weight", Shape: []int{2, 3}, Data: make([]float32, 6)},
			{Name: "gen.fc1.bias", Shape: []int{2}, Data: make([]float32, 2)},
			{Name: "scale", Shape: []int{}, Data: []float32{1}},
			{Name: "optim.step", Shape: []int{}, Data: []float32{10}},
		},
	}
	require.NoError(t, Save(path, saved))
	loaded, err := Load(path)
	require.NoError(t, err)
	foreign := &Checkpoint{Tensors: saved.Tensors}

	tests := []struct {
		name    string
		c       *Checkpoint
		kind    string
		shapes  map[string][]int
		wantErr []string // nil means success
	}{
		{"all match, extras allowed", loaded, "gan-mlp", map[string][]int{"gen.fc1.weight": {2, 3}, "gen.fc1.bias": {2}, "scale": nil}, nil},
		{"nothing wanted", loaded, "gan-mlp", nil, nil},
		{"wrong kind", loaded, "vae-mlp", map[string][]int{"gen.fc1.bias": {2}}, []string{"checkpoint " + path + " holds a \"gan-mlp\" model, not \"vae-mlp\""}},
		{"no kind", foreign, "gan-mlp", nil, []string{"unknown kind", `not "gan-mlp"`, "not loaded from a file"}},
		{"missing tensor", loaded, "gan-mlp", map[string][]int{"gen.fc2.weight": {3, 3}, "gen.fc1.bias": {2}}, []string{path, `missing tensor "gen.fc2.weight"`}},
		{"wrong shape", loaded, "gan-mlp", map[string][]int{"gen.fc1.weight": {3, 2}}, []string{path, `"gen.fc1.weight"`, "[2 3]", "[3 2]"}},
		{"scalar wanted as vector", loaded, "gan-mlp", map[string][]int{"scale": {1}}, []string{`"scale" has shape [], want [1]`}},
		{"all problems reported", loaded, "gan-mlp", map[string][]int{"x": {1}, "y": {1}, "gen.fc1.bias": {3}}, []string{`missing tensor "x"`, `missing tensor "y"`, `"gen.fc1.bias" has shape [2], want [3]`}},
		{"nil checkpoint", nil, "gan-mlp", nil, []string{"nil checkpoint"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Expect(tt.kind, tt.shapes)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			requireErr(t, err, tt.wantErr...)
			assert.True(t, strings.HasPrefix(err.Error(), "checkpoints: "), "error %q lacks the package prefix", err)
		})
	}
}

// tensorList is a Params whose tensors are its own: loading into it sets
// the values its elements hold.
type tensorList []Tensor

func (l tensorList) Tensors() []Tensor { return l }

func TestInitParamsMatchesNameAndShape(t *testing.T) {
	c := &Checkpoint{Tensors: []Tensor{
		{Name: "a", Shape: []int{2}, Data: []float32{1, 2}},
		{Name: "b", Shape: []int{3}, Data: []float32{1, 2, 3}},
	}}
	a := Tensor{Name: "a", Shape: []int{2}, Data: make([]float32, 2)}
	b := Tensor{Name: "b", Shape: []int{2}, Data: make([]float32, 2)}
	x := Tensor{Name: "x", Shape: []int{1}, Data: make([]float32, 1)}
	loaded, fresh := c.InitParams(tensorList{a, b, x})
	require.Equal(t, []string{"a"}, loaded, "loaded")
	require.Len(t, fresh, 2, "fresh")
	require.Equal(t, float32(2), a.Data[1], "a after loading")
	require.Equal(t, float32(0), b.Data[0], "b after loading")
	require.Contains(t, fresh[0], "shape [3]")
	require.Contains(t, fresh[1], "not in the checkpoint")
}

func TestLoadParams(t *testing.T) {
	c := &Checkpoint{Meta: Meta{Kind: "m"}, Tensors: []Tensor{
		{Name: "a", Shape: []int{2}, Data: []float32{1, 2}},
		{Name: "b", Shape: []int{}, Data: []float32{3}},
	}}
	tests := []struct {
		name    string
		kind    string
		dst     tensorList
		want    []float32 // the values of dst, one after another, after loading
		wantErr []string  // nil means success
	}{
		{"all present", "m", tensorList{{Name: "a", Shape: []int{2}, Data: make([]float32, 2)}, {Name: "b", Shape: []int{}, Data: make([]float32, 1)}}, []float32{1, 2, 3}, nil},
		{"subset", "m", tensorList{{Name: "b", Shape: []int{}, Data: make([]float32, 1)}}, []float32{3}, nil},
		{"wrong kind", "n", tensorList{{Name: "b", Shape: []int{}, Data: make([]float32, 1)}}, []float32{0}, []string{`holds a "m" model, not "n"`}},
		{"missing", "m", tensorList{{Name: "c", Shape: []int{1}, Data: make([]float32, 1)}}, []float32{0}, []string{`missing tensor "c"`}},
		{"wrong shape", "m", tensorList{{Name: "a", Shape: []int{1, 2}, Data: make([]float32, 2)}}, []float32{0, 0}, []string{`"a" has shape [2], want [1 2]`}},
		{"data shorter than shape", "m", tensorList{{Name: "a", Shape: []int{2}, Data: make([]float32, 1)}}, []float32{0}, []string{`tensor "a" holds 2 values, want 1`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.LoadParams(tt.kind, tt.dst)
			if tt.wantErr == nil {
				require.NoError(t, err)
			} else {
				requireErr(t, err, tt.wantErr...)
			}
			var got []float32
			for _, d := range tt.dst {
				got = append(got, d.Data...)
			}
			assert.Equal(t, tt.want, got, "values after loading")
		})
	}
}
