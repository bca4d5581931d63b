package checkpoints

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func stepCkpt(step int64) *Checkpoint {
	return &Checkpoint{
		Meta:    Meta{Kind: "test", Step: step},
		Tensors: []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{float32(step)}}},
	}
}

func ckptName(step int64) string { return fmt.Sprintf("ckpt-%09d.safetensors", step) }

func TestDirRotation(t *testing.T) {
	tests := []struct {
		name      string
		keep      int
		steps     []int64
		wantSteps []int64 // what List returns afterwards, in order
	}{
		{"keep 2 of 5", 2, []int64{1, 2, 3, 4, 5}, []int64{4, 5}},
		{"keep 0 means 3", 0, []int64{10, 20, 30, 40, 50}, []int64{30, 40, 50}},
		{"keep 1", 1, []int64{7, 8}, []int64{8}},
		{"fewer than keep", 5, []int64{1, 2}, []int64{1, 2}},
		{"saved out of order", 2, []int64{10, 30, 20}, []int64{20, 30}},
		{"same step twice", 2, []int64{5, 5, 6}, []int64{5, 6}},
		{"steps past nine digits sort numerically", 2, []int64{999_999_998, 999_999_999, 1_000_000_000}, []int64{999_999_999, 1_000_000_000}},
		// The file just written is never pruned, even if it is the oldest.
		{"lower step than kept ones", 2, []int64{50, 60, 5}, []int64{5, 50, 60}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Dir{Path: filepath.Join(t.TempDir(), "run", "ckpts"), Keep: tt.keep}
			for _, s := range tt.steps {
				path, err := d.Save(stepCkpt(s))
				require.NoError(t, err)
				assert.Equal(t, filepath.Join(d.Path, ckptName(s)), path, "path Save returned")
			}
			var want []string
			for _, s := range tt.wantSteps {
				want = append(want, filepath.Join(d.Path, ckptName(s)))
			}
			got, err := d.List()
			require.NoError(t, err)
			assert.Equal(t, want, got, "List()")
			assert.Len(t, dirNames(t, d.Path), len(want), "files in the folder")

			latest, err := d.Latest()
			require.NoError(t, err)
			maxStep := slices.Max(tt.wantSteps)
			assert.Equal(t, filepath.Join(d.Path, ckptName(maxStep)), latest, "Latest()")
			c, err := Load(latest)
			require.NoError(t, err)
			assert.Equal(t, maxStep, c.Meta.Step, "step of the latest checkpoint")
		})
	}
}

func TestDirIgnoresAndCleansLeftovers(t *testing.T) {
	d := Dir{Path: t.TempDir(), Keep: 2}
	_, err := d.Save(stepCkpt(1))
	require.NoError(t, err)
	// A crashed save of a later step, and files that only look similar.
	stale := filepath.Join(d.Path, "."+ckptName(99)+".tmp-123456")
	unrelated := []string{"notes.txt", "ckpt-abc.safetensors", "ckpt-.safetensors", "ckpt-12.bin", ".hidden.tmp-1"}
	for _, name := range append(unrelated, filepath.Base(stale)) {
		require.NoError(t, os.WriteFile(filepath.Join(d.Path, name), []byte("junk"), 0o644))
	}
	require.NoError(t, os.Mkdir(filepath.Join(d.Path, ckptName(1000)), 0o755))

	want1 := filepath.Join(d.Path, ckptName(1))
	list, err := d.List()
	if assert.NoError(t, err, "List()") {
		assert.Equal(t, []string{want1}, list, "List()")
	}
	latest, err := d.Latest()
	if assert.NoError(t, err, "Latest()") {
		assert.Equal(t, want1, latest, "Latest()")
	}

	_, err = d.Save(stepCkpt(2))
	require.NoError(t, err)
	_, err = os.Stat(stale)
	assert.ErrorIs(t, err, os.ErrNotExist, "stale temporary file survived the next save")
	for _, name := range unrelated {
		_, err := os.Stat(filepath.Join(d.Path, name))
		assert.NoError(t, err, "unrelated file %s was touched", name)
	}
}

func TestDirErrors(t *testing.T) {
	root := t.TempDir()
	tests := []struct {
		name    string
		run     func() error
		wantErr []string
		wantIs  error
	}{
		{"latest in empty folder", func() error { _, err := Dir{Path: root}.Latest(); return err }, []string{"checkpoints: " + root + ": "}, ErrNoCheckpoint},
		{"latest in missing folder", func() error {
			_, err := Dir{Path: filepath.Join(root, "nope")}.Latest()
			return err
		}, []string{filepath.Join(root, "nope")}, ErrNoCheckpoint},
		{"negative keep", func() error { _, err := Dir{Path: root, Keep: -1}.Save(stepCkpt(1)); return err }, []string{root, "Keep is -1"}, nil},
		{"negative step", func() error { _, err := Dir{Path: root}.Save(stepCkpt(-5)); return err }, []string{root, "negative step -5"}, nil},
		{"nil checkpoint", func() error { _, err := Dir{Path: root}.Save(nil); return err }, []string{root, "nil checkpoint"}, nil},
		{"empty path", func() error { _, err := Dir{}.Save(stepCkpt(1)); return err }, []string{"empty Path"}, nil},
		{"refused checkpoint", func() error {
			c := stepCkpt(3)
			c.Tensors[0].Data[0] = float32(math.NaN())
			_, err := Dir{Path: root}.Save(c)
			return err
		}, []string{ckptName(3), `"w"`, "NaN"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			requireErr(t, err, tt.wantErr...)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
		})
	}
	assert.Empty(t, dirNames(t, root), "files failed saves left behind")
}

func TestListMissingFolder(t *testing.T) {
	got, err := Dir{Path: filepath.Join(t.TempDir(), "absent")}.List()
	assert.NoError(t, err, "List() of a missing folder")
	assert.Empty(t, got, "List() of a missing folder")
}

func TestParseCkptName(t *testing.T) {
	tests := []struct {
		name     string
		wantStep int64
		wantOK   bool
	}{
		{"ckpt-000000042.safetensors", 42, true},
		{"ckpt-7.safetensors", 7, true},
		{"ckpt-1000000000.safetensors", 1_000_000_000, true},
		{"ckpt-.safetensors", 0, false},
		{"ckpt--1.safetensors", 0, false},
		{"ckpt-+1.safetensors", 0, false},
		{"ckpt-1a.safetensors", 0, false},
		{"ckpt-99999999999999999999.safetensors", 0, false},
		{"ckpt-1.safetensors.tmp-5", 0, false},
		{".ckpt-1.safetensors.tmp-5", 0, false},
		{"model.safetensors", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := parseCkptName(tt.name)
			assert.Equal(t, tt.wantOK, ok, "parseCkptName(%q) ok", tt.name)
			assert.Equal(t, tt.wantStep, step, "parseCkptName(%q) step", tt.name)
		})
	}
}
