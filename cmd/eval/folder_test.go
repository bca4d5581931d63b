package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/zoo/classifier"
)

// colourMNIST writes a colour MNIST folder (32×32 RGB, class folders and
// test/) of n training images; flat moves every image out of its class
// folder, leaving an unlabelled folder (and an unlabelled test/).
func colourMNIST(t *testing.T, n int, flat bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "colour-mnist")
	require.NoError(t, datasets.WriteColourMNIST(dir, datasets.ColourMNISTOptions{N: n, Seed: 1}))
	if !flat {
		return dir
	}
	for _, root := range []string{dir, filepath.Join(dir, datasets.TestFolder)} {
		for d := range 10 {
			class := filepath.Join(root, fmt.Sprint(d))
			entries, err := os.ReadDir(class)
			require.NoError(t, err)
			for _, e := range entries {
				require.NoError(t, os.Rename(filepath.Join(class, e.Name()), filepath.Join(root, fmt.Sprintf("%d-%s", d, e.Name()))))
			}
			require.NoError(t, os.Remove(class))
		}
	}
	return dir
}

// writeSamples writes n images of set as PNG files into a new folder, each
// pixel mixed with a share a of uniform noise: a stand-in for a model's
// samples, worse the larger a.
func writeSamples(t *testing.T, set *datasets.Set, n int, a float64) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 5))
	plane := set.H * set.W
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, set.W, set.H))
		pix := set.Image(i % set.N)
		mix := func(p uint8) uint8 { return uint8((1-a)*float64(p) + a*255*rng.Float64() + 0.5) }
		for j := range plane {
			img.SetRGBA(j%set.W, j/set.W, color.RGBA{mix(pix[j]), mix(pix[plane+j]), mix(pix[2*plane+j]), 255})
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%05d.png", i)))
		require.NoError(t, err)
		require.NoError(t, png.Encode(f, img))
		require.NoError(t, f.Close())
	}
	return dir
}

// TestUnlabelledFolder measures a folder without classes: random features
// are chosen, and with -baselines real training images < samples (real
// images half mixed with noise) < uniform noise in FID, the samples read
// from a folder of colour PNG files.
func TestUnlabelledFolder(t *testing.T) {
	data := colourMNIST(t, 1000, true)
	f, err := datasets.LoadFolder(data, datasets.FolderOptions{})
	require.NoError(t, err)
	require.Nil(t, f.Val.Labels)
	samples := writeSamples(t, f.Train, 300, 0.5)

	r := runJSON(t, "-samples", samples, "-data", data, "-baselines", "-ref-n", "0")
	require.True(t, r.FeaturesOnly)
	require.Contains(t, r.Classifier, "random features")
	require.Empty(t, r.ClassifierSHA256)
	require.Equal(t, data, r.Data)
	require.Equal(t, "image folder "+filepath.Join(data, "test"), r.Reference)
	require.Equal(t, 100, r.ReferenceN)
	require.Len(t, r.Baselines, 2)
	real, noise := r.Baselines[0], r.Baselines[1]
	require.Equal(t, "real-train", real.Source)
	require.Equal(t, "noise", noise.Source)
	t.Logf("FID real %.4f < samples %.4f < noise %.4f", real.FID, r.FID, noise.FID)
	require.Less(t, real.FID, r.FID)
	require.Less(t, r.FID, noise.FID)

	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-samples", samples, "-data", data, "-baselines", "-n", "300"}, &stdout, &stderr))
	t.Log(stdout.String())
	for _, want := range []string{"random features", "real training images", "uniform noise", samples} {
		require.Contains(t, stdout.String(), want)
	}
	require.NotContains(t, stdout.String(), "Inception")
}

// TestLabelledFolder measures a colour folder with a classifier of its
// shape and classes: the output names the classifier file with its
// SHA-256, the data and the class names. A classifier of another shape
// or other classes, or none, is refused.
func TestLabelledFolder(t *testing.T) {
	data := colourMNIST(t, 1000, false)
	names := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	saveClassifier := func(cfg classifier.Config, classes []string) string {
		m, err := classifier.New(cfg, 1)
		require.NoError(t, err)
		var meta checkpoints.Meta
		require.NoError(t, meta.SetClassNames(classes))
		w, err := classifier.Weights(m, meta)
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "classifier.safetensors")
		require.NoError(t, checkpoints.Save(path, w))
		return path
	}
	colour := classifier.Config{ImageChannels: 3, Height: 32, Width: 32}
	clf := saveClassifier(colour, names)
	b, err := os.ReadFile(clf)
	require.NoError(t, err)
	sum := sha256.Sum256(b)

	r := runJSON(t, "-real", "train", "-data", data, "-classifier", clf, "-ref-n", "0")
	require.Equal(t, clf, r.Classifier)
	require.Equal(t, hex.EncodeToString(sum[:]), r.ClassifierSHA256)
	require.Equal(t, names, r.ClassNames)
	require.Equal(t, data, r.Data)
	require.False(t, r.FeaturesOnly)
	require.Len(t, r.Histogram, 10)

	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-noise", "-data", data, "-classifier", clf, "-n", "300"}, &stdout, &stderr))
	require.Contains(t, stdout.String(), "classes covered")
	require.Contains(t, stdout.String(), "sha256 "+hex.EncodeToString(sum[:8]))

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no classifier", nil, "has classes: measure with a classifier trained on them"},
		{"grey classifier", []string{"-classifier", saveClassifier(classifier.Config{Height: 32, Width: 32}, names)}, "has 3x32x32 images (channels x height x width), the network"},
		{"other classes", []string{"-classifier", saveClassifier(classifier.Config{ImageChannels: 3, Height: 32, Width: 32, Classes: 2}, []string{"cat", "dog"})}, "was trained on the classes cat, dog"},
		{"random and classifier", []string{"-features", "random", "-classifier", clf}, "drop -classifier"},
		{"baselines of noise", []string{"-classifier", clf, "-baselines"}, "-baselines adds real and noise rows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"-noise", "-data", data}, c.args...), &stdout, &stderr)
			require.ErrorContains(t, err, c.want)
			require.NotContains(t, err.Error(), "\n")
		})
	}

	random := runJSON(t, "-noise", "-data", data, "-features", "random")
	require.True(t, random.FeaturesOnly)
	require.True(t, strings.HasPrefix(random.Classifier, "random features"))
}
