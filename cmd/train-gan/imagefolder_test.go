package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// colourMNIST writes a small colour MNIST folder: 32×32 RGB digits in
// ten class folders.
func colourMNIST(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "colour")
	require.NoError(t, datasets.WriteColourMNIST(dir, datasets.ColourMNISTOptions{N: 100, Seed: 1}))
	return dir
}

// trainRun runs the command with args writing to out, and returns the
// model configuration its checkpoint saved, the model it loads into and
// the run's config.json.
func trainRun(t *testing.T, out string, args ...string) (saved map[string]any, m *gan.Model, runConfig map[string]any) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), append(args, "-o", out), &stdout, &stderr), "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	latest, err := checkpoints.Dir{Path: filepath.Join(out, "checkpoints")}.Latest()
	require.NoError(t, err)
	c, err := checkpoints.Load(latest)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(c.Meta.Config, &saved))
	m, err = gan.FromCheckpoint(c)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(out, "config.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &runConfig))
	if m.Config.ImageChannels == 3 {
		_, grey := testutil.DecodePNG(t, filepath.Join(out, "samples.png")).(*image.Gray)
		require.False(t, grey, "a colour model's preview grid is in colour")
	}
	return saved, m, runConfig
}

// TestColourFolder: each model trains on a colour folder at its own
// 32×32 and dcgan and sagan, brought to 64×64 by -size, with a third
// stage; the checkpoint records the channels, the run the channel lists
// the image size chose, and the generator draws colour images.
func TestColourFolder(t *testing.T) {
	dir := colourMNIST(t)
	for _, c := range []struct {
		name string
		args []string
		h, w int
		g, d []int
	}{
		{"dcgan 32x32x3", []string{"-model", "dcgan"}, 32, 32, []int{64, 32}, []int{32, 64}},
		{"dcgan 64x64x3", []string{"-model", "dcgan", "-size", "64"}, 64, 64, []int{128, 64, 32}, []int{32, 64, 128}},
		{"sagan 64x64x3 narrow", []string{"-model", "sagan", "-size", "64", "-g-channels", "16,8,8", "-d-channels", "8,8,16"}, 64, 64, []int{16, 8, 8}, []int{8, 8, 16}},
		{"mlp 32x32x3", nil, 32, 32, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"-dry-run", "-steps", "2", "-batch", "16", "-data", dir}, c.args...)
			saved, m, runConfig := trainRun(t, filepath.Join(t.TempDir(), "run"), args...)
			require.EqualValues(t, 3, saved["image_channels"])
			ch, h, w := m.Config.ImageShape()
			require.Equal(t, []int{3, c.h, c.w}, []int{ch, h, w})
			require.Equal(t, c.g, m.Config.GChannels)
			require.Equal(t, c.d, m.Config.DChannels)
			flags := runConfig["flags"].(map[string]any)
			if c.g != nil {
				require.Len(t, flags["g_channels"], len(c.g), "the run records the channels chosen")
				require.Len(t, flags["d_channels"], len(c.d))
			} else {
				require.NotContains(t, flags, "g_channels")
			}
			imgs, err := gan.NewGenerator(m).Generate(2, 1)
			require.NoError(t, err)
			require.Len(t, imgs, 2*3*c.h*c.w)
		})
	}
	// Channel lists that do not fit the size are refused, naming it.
	err := run(context.Background(), []string{"-dry-run", "-data", dir, "-model", "dcgan", "-g-channels", "8,8,8,8,8,8", "-o", filepath.Join(t.TempDir(), "run")}, &bytes.Buffer{}, &bytes.Buffer{})
	require.ErrorContains(t, err, "dcgan with 6 stages needs image sides divisible by 64, got 32x32")
}

// TestConditionalFromClassFolders: -classes auto conditions the MLP GAN
// and the convolutional ones on the folder's classes without counting
// them; a resumed run keeps them; unlabelled data is refused.
func TestConditionalFromClassFolders(t *testing.T) {
	dir := colourMNIST(t)
	out := filepath.Join(t.TempDir(), "run")
	saved, m, runConfig := trainRun(t, out, "-dry-run", "-steps", "2", "-batch", "16", "-data", dir, "-classes", "auto")
	require.EqualValues(t, 10, saved["classes"])
	flags := runConfig["flags"].(map[string]any)
	require.EqualValues(t, 10, flags["classes"])
	require.Len(t, flags["class_names"], 10)
	ckpt, _, err := checkpoints.Open(out)
	require.NoError(t, err)
	names, err := ckpt.Meta.ClassNames(10)
	require.NoError(t, err)
	require.Equal(t, flags["class_names"], anySlice(names), "the checkpoint names the classes too")
	imgs, err := gan.NewGenerator(m).GenerateClass(2, 7, 1)
	require.NoError(t, err)
	require.Len(t, imgs, 2*3*32*32)

	var log bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "3", "-classes", "auto", "-resume", out}, &log, &log), log.String())
	require.Contains(t, log.String(), "resuming at step 2")
	require.Contains(t, log.String(), "resume: changed steps 2 → 3 (", "the classes are not a change")

	for _, model := range []string{"dcgan", "sagan"} {
		saved, m, _ := trainRun(t, filepath.Join(t.TempDir(), model), "-dry-run", "-steps", "1", "-batch", "8", "-data", dir, "-classes", "auto", "-model", model)
		require.EqualValues(t, 10, saved["classes"], model)
		seven, err := gan.NewGenerator(m).GenerateClass(2, 7, 1)
		require.NoError(t, err)
		two, err := gan.NewGenerator(m).GenerateClass(2, 2, 1)
		require.NoError(t, err)
		require.NotEqual(t, seven, two, "%s: the class reaches G", model)
	}

	// MNIST's labels are the ten digits.
	saved, _, _ = trainRun(t, filepath.Join(t.TempDir(), "mnist"), "-dry-run", "-steps", "1", "-batch", "16", "-classes", "auto")
	require.EqualValues(t, 10, saved["classes"])

	flat := filepath.Join(t.TempDir(), "flat")
	require.NoError(t, os.MkdirAll(flat, 0o755))
	pngs, err := filepath.Glob(filepath.Join(dir, "3", "*.png"))
	require.NoError(t, err)
	for _, p := range pngs {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(flat, filepath.Base(p)), b, 0o644))
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-data", flat, "-val", "-1", "-batch", "4"}, "-classes auto needs labelled data (class folders), but image folder " + flat},
	} {
		args := append([]string{"-dry-run", "-classes", "auto", "-o", filepath.Join(t.TempDir(), "run")}, c.args...)
		err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
		require.ErrorContains(t, err, c.want, "%v", c.args)
	}
}

// anySlice returns names as JSON decodes a list of strings into any.
func anySlice(names []string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}
