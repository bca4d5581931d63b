package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/zoo/classifier"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// quick keeps the end-to-end runs to a few seconds: a 500-image reference
// and 300 samples.
var quick = []string{"-ref-n", "500", "-n", "300"}

func runJSON(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append(append([]string{"-json"}, quick...), args...), &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, 1, "one JSON object")
	var r result
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &r))
	require.NotNil(t, r.Report)
	return r
}

// TestGANCheckpoint evaluates an untrained GAN: its samples are noise-like
// blobs, far from digits. The same seed gives the same numbers.
func TestGANCheckpoint(t *testing.T) {
	m, err := gan.New(gan.Config{}, 1)
	require.NoError(t, err)
	s, err := gan.NewStep(m, gan.TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	dir, _ := testutil.SaveRun(t, s, 3)
	r := runJSON(t, "-ckpt", dir, "-seed", "4")
	require.Equal(t, "checkpoint", r.Source)
	require.Equal(t, gan.Kind, r.Kind)
	require.EqualValues(t, 3, r.Step)
	require.Equal(t, 300, r.N)
	require.Equal(t, 500, r.ReferenceN)
	require.Greater(t, r.FID, 100.0)
	require.Less(t, r.Precision, 0.2)
	require.Nil(t, r.VAE)
	again := runJSON(t, "-ckpt", dir, "-seed", "4")
	require.Equal(t, r.Report, again.Report)

	var table bytes.Buffer
	require.NoError(t, run(context.Background(), append(quick, "-ckpt", dir), &table, &table))
	for _, want := range []string{"GAN checkpoint", "FID", "Inception score", "precision", "recall", "digits covered", "KL from uniform"} {
		require.Contains(t, table.String(), want)
	}
}

// TestVAECheckpoint evaluates untrained VAEs of both architectures: a
// conv checkpoint is rebuilt from its config like an MLP one.
func TestVAECheckpoint(t *testing.T) {
	for _, cfg := range []vae.Config{
		{Hidden: []int{32}, Z: 4},
		{Arch: vae.ArchConv, Channels: []int{4, 8}, Hidden: []int{16}, Z: 4},
	} {
		m, err := vae.New(cfg, 1)
		require.NoError(t, err)
		s, err := vae.NewStep(m, vae.TrainConfig{Batch: 8}, 1)
		require.NoError(t, err)
		dir, _ := testutil.SaveRun(t, s, 3)
		out := filepath.Join(t.TempDir(), "r.json")
		r := runJSON(t, "-ckpt", dir, "-iwae-k", "2", "-iwae-n", "50", "-o", out)
		require.Equal(t, vae.Kind, r.Kind)
		require.NotNil(t, r.VAE)
		// An untrained decoder gives each pixel probability about ½: about
		// 784·log 2 ≈ 543 nats of BCE per image.
		require.InDelta(t, 543, r.VAE.TestBCE, 100)
		require.Equal(t, 10000, r.VAE.TestN)
		require.Len(t, r.VAE.IWAE, 1)
		require.Equal(t, 2, r.VAE.IWAE[0].K)
		require.Equal(t, 50, r.VAE.IWAEN)
		require.Greater(t, r.VAE.IWAE[0].NLL, 0.0)
		written, err := os.ReadFile(out)
		require.NoError(t, err)
		var w result
		require.NoError(t, json.Unmarshal(written, &w))
		require.Equal(t, r.Report, w.Report)
	}
}

// TestSampleFiles evaluates the same real images given as an IDX file and
// as a folder of PNGs: the numbers agree, and real digits score well.
func TestSampleFiles(t *testing.T) {
	train, err := datasets.MNIST(datasets.Train, "")
	require.NoError(t, err)
	const n = 300
	idx := filepath.Join(t.TempDir(), "s.idx")
	require.NoError(t, datasets.WriteIDX(idx, &datasets.IDX{Dims: []int{n, 28, 28}, Data: train.Images[:n*784]}))
	pngs := t.TempDir()
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		copy(img.Pix, train.Image(i))
		f, err := os.Create(filepath.Join(pngs, fmt.Sprintf("img-%04d.png", i)))
		require.NoError(t, err)
		require.NoError(t, png.Encode(f, img))
		require.NoError(t, f.Close())
	}
	fromIDX := runJSON(t, "-samples", idx)
	fromPNG := runJSON(t, "-samples", pngs)
	require.Equal(t, n, fromIDX.N)
	require.Equal(t, n, fromIDX.Available)
	require.InDelta(t, fromIDX.FID, fromPNG.FID, 1e-6*fromIDX.FID)
	require.Equal(t, fromIDX.Histogram, fromPNG.Histogram)
	require.Greater(t, fromIDX.InceptionScore, 7.0)
	require.Equal(t, 10, fromIDX.DigitsCovered)

	capped := runJSON(t, "-samples", idx, "-n", "100")
	require.Equal(t, 100, capped.N)
	require.Equal(t, n, capped.Available)
}

func TestRealAndNoise(t *testing.T) {
	real := runJSON(t, "-real", "train")
	noise := runJSON(t, "-noise")
	require.Equal(t, "real-train", real.Source)
	require.Equal(t, "noise", noise.Source)
	require.Greater(t, noise.FID, 20*real.FID)
	// With 500 reference images the neighbourhoods are wide, so the
	// manifold metrics are only compared here (package eval checks their
	// values at full size).
	t.Logf("real P %.3f R %.3f, noise P %.3f R %.3f", real.Precision, real.Recall, noise.Precision, noise.Recall)
	require.Less(t, noise.Precision, real.Precision/3)
	require.Less(t, noise.Recall, real.Recall/3)
	require.Greater(t, real.InceptionScore, 7.0, "30 images per split pull the score down")
	require.Less(t, noise.InceptionScore, 2.0)
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	notIDX := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(notIDX, []byte("hello"), 0o644))
	flat := filepath.Join(dir, "flat.idx")
	require.NoError(t, datasets.WriteIDX(flat, &datasets.IDX{Dims: []int{50, 784}, Data: make([]byte, 50*784)}))
	emptyDir := t.TempDir()
	bigPNG := t.TempDir()
	f, err := os.Create(filepath.Join(bigPNG, "a.png"))
	require.NoError(t, err)
	img := image.NewGray(image.Rect(0, 0, 32, 32))
	img.Set(1, 1, color.Gray{Y: 200})
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	clfModel, err := classifier.New(classifier.Config{}, 1)
	require.NoError(t, err)
	clfStep, err := classifier.NewStep(clfModel, classifier.TrainConfig{Batch: 4}, 1)
	require.NoError(t, err)
	clfRun, _ := testutil.SaveRun(t, clfStep, 3)

	cases := []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"no source", []string{}, "give exactly one of -ckpt, -samples", true},
		{"two sources", []string{"-noise", "-real", "train"}, "give exactly one", true},
		{"unknown real", []string{"-real", "test"}, `-real "test"`, true},
		{"n too small", []string{"-noise", "-n", "3"}, "-n 3 must exceed -k 3", true},
		{"bad k", []string{"-noise", "-k", "0"}, "-k", true},
		{"stray argument", []string{"-noise", "extra"}, "extra", true},
		{"missing checkpoint", []string{"-ckpt", "/no/such/run"}, "-ckpt /no/such/run", false},
		{"classifier checkpoint", []string{"-ckpt", clfRun}, `cannot draw images from a "classifier" checkpoint`, false},
		{"missing samples", []string{"-samples", "/no/such.idx"}, "-samples /no/such.idx", false},
		{"not IDX", []string{"-samples", notIDX}, "notes.txt", false},
		{"IDX of vectors", []string{"-samples", flat}, "want N×28×28", false},
		{"no PNGs", []string{"-samples", emptyDir}, "no .png files", false},
		{"PNG too big", []string{"-samples", bigPNG}, "32x32 pixels; want 28x28", false},
		{"missing classifier", []string{"-noise", "-classifier", "/no/clf.safetensors"}, "-classifier", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), c.args, &stdout, &stderr)
			require.ErrorContains(t, err, c.want)
			code := cli.Exit(&stderr, "eval", err)
			if c.usage {
				require.Equal(t, 2, code)
			} else {
				require.Equal(t, 1, code)
			}
			require.Equal(t, 1, strings.Count(stderr.String(), "eval:"), "one line naming the problem: %s", stderr.String())
			require.NotContains(t, strings.SplitN(stderr.String(), "\n", 2)[0], "\n")
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-h"}, &stdout, &stderr)
	require.Equal(t, 0, cli.Exit(&stderr, "eval", err))
	for _, want := range []string{"-ckpt", "-samples", "-real", "-noise", "FID", "precision"} {
		require.Contains(t, stdout.String(), want)
	}
}

// TestCancelled: a cancelled context (Ctrl-C) stops an evaluation with the
// context's error.
func TestCancelled(t *testing.T) {
	m, err := vae.New(vae.Config{Hidden: []int{16}, Z: 2}, 1)
	require.NoError(t, err)
	s, err := vae.NewStep(m, vae.TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	dir, _ := testutil.SaveRun(t, s, 3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err = run(ctx, append(quick, "-ckpt", dir), &out, &out)
	require.ErrorIs(t, err, context.Canceled)
}
