package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// colourMNIST writes a small colour-MNIST folder (32×32 RGB, ten class
// folders and test/) and returns its path.
func colourMNIST(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "colour-mnist")
	require.NoError(t, datasets.WriteColourMNIST(dir, datasets.ColourMNISTOptions{N: 100, Seed: 1}))
	return dir
}

// colourArgs keeps colour runs short: a few steps of small batches.
var colourArgs = []string{"-dry-run", "-steps", "4", "-batch", "16", "-iwae-k", "1,5"}

// TestColourFolder: -model conv trains on a folder of 32×32 colour images
// as they are, and the checkpoint records their three channels; -classes
// auto conditions on the class folders without counting them; -binarize
// and classes the data does not have are refused before training.
func TestColourFolder(t *testing.T) {
	data := colourMNIST(t)
	for _, c := range []struct {
		name    string
		args    []string
		classes int
	}{
		{"conv", []string{"-model", "conv"}, 0},
		{"conditional conv, classes from the folders", []string{"-model", "conv", "-classes", "auto"}, 10},
		{"conditional mlp", []string{"-classes", "10"}, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			var stdout, stderr bytes.Buffer
			args := append(append([]string{"-data", data, "-o", out}, colourArgs...), c.args...)
			require.NoError(t, run(context.Background(), args, &stdout, &stderr), "stderr: %s", stderr.String())
			require.Contains(t, stdout.String(), "images 32x32, colour)")

			latest, err := checkpoints.Dir{Path: filepath.Join(out, "checkpoints")}.Latest()
			require.NoError(t, err)
			ckpt, err := checkpoints.Load(latest)
			require.NoError(t, err)
			var meta map[string]any
			require.NoError(t, json.Unmarshal(ckpt.Meta.Config, &meta))
			require.Equal(t, 3.0, meta["image_channels"])
			require.Equal(t, 32.0, meta["height"])
			require.Equal(t, 32.0, meta["width"])
			if c.classes > 0 {
				require.Equal(t, float64(c.classes), meta["classes"])
				require.Contains(t, stdout.String(), "conditional on 10 classes")
			} else {
				require.NotContains(t, meta, "classes")
			}

			recs := evalRecords(t, out)
			require.NotEmpty(t, recs)
			last := recs[len(recs)-1]
			loss := last["test_loss"].(float64)
			require.False(t, math.IsNaN(loss) || math.IsInf(loss, 0), "test loss %v", loss)
			require.Greater(t, loss, 0.0)
			k5 := last[vae.IWAEMetric(5)].(float64)
			require.False(t, math.IsNaN(k5) || math.IsInf(k5, 0), "IWAE bound %v", k5)

			var config struct {
				Flags struct {
					Classes    int      `json:"classes"`
					ClassNames []string `json:"class_names"`
				} `json:"flags"`
			}
			raw, err := os.ReadFile(filepath.Join(out, "config.json"))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(raw, &config))
			require.Equal(t, c.classes, config.Flags.Classes, "the run records the classes -classes auto found")
			require.Len(t, config.Flags.ClassNames, 10)

			v, err := vae.Load(latest)
			require.NoError(t, err)
			imgs, err := v.Sample(2, 1)
			require.NoError(t, err)
			require.Len(t, imgs, 2*3*32*32)

			// -ckpt measures the colour checkpoint on the folder's test
			// images; -resume continues it, -classes auto taking the
			// checkpoint's classes.
			var evalOut bytes.Buffer
			require.NoError(t, run(context.Background(), []string{"-data", data, "-dry-run", "-ckpt", out, "-iwae-k", "1"}, &evalOut, &stderr))
			require.Contains(t, evalOut.String(), "test loss")
			if c.classes > 0 {
				stdout.Reset()
				require.NoError(t, run(context.Background(), []string{"-steps", "6", "-resume", out, "-classes", "auto", "-iwae-k", "0"}, &stdout, &stderr), "stderr: %s", stderr.String())
				require.Contains(t, stdout.String(), "resuming at step 4")
			}
		})
	}

	flat := filepath.Join(t.TempDir(), "flat")
	require.NoError(t, os.MkdirAll(flat, 0o755))
	pngs, err := filepath.Glob(filepath.Join(data, "[0-9]", "*.png"))
	require.NoError(t, err)
	for _, p := range pngs[:40] {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(flat, filepath.Base(filepath.Dir(p))+"-"+filepath.Base(p)), raw, 0o644))
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"binarize", []string{"-data", data, "-binarize"}, "binarize is for grey images"},
		{"too few classes", []string{"-data", data, "-classes", "3"}, "-classes 3: image"},
		{"auto without class folders", []string{"-data", flat, "-classes", "auto"}, "-classes auto needs labelled data"},
		{"not a count", []string{"-data", data, "-classes", "some"}, `want a number of classes (0: unconditional) or auto, got "some"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append(append([]string{"-o", filepath.Join(t.TempDir(), "run")}, colourArgs...), c.args...)
			require.ErrorContains(t, run(context.Background(), args, &stdout, &stderr), c.want)
		})
	}
}
