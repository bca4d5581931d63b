package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/zoo/classifier"
)

// TestDryRun runs the command end to end on real MNIST and checks the run
// folder and that the weights load with their recorded accuracy.
func TestDryRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	weights := filepath.Join(out, "mnist-classifier.safetensors")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-dry-run", "-o", out}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	require.Contains(t, stdout.String(), "trained 1.00 epochs (20 steps)")
	require.Contains(t, stdout.String(), "of 500 images")
	for _, f := range []string{"config.json", "metrics.jsonl", "loss.png"} {
		_, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err, f)
	}
	c, err := checkpoints.Load(weights)
	require.NoError(t, err)
	require.Equal(t, classifier.Kind, c.Meta.Kind)
	require.NotEmpty(t, c.Meta.Extra["test_accuracy"])
	for _, tensor := range c.Tensors {
		require.NotContains(t, tensor.Name, "optim.", "weights only")
	}
	clf, err := classifier.Load(weights)
	require.NoError(t, err)
	require.Equal(t, 128, clf.FeatureDim())
	metrics, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	require.NoError(t, err)
	require.Contains(t, string(metrics), `"test_acc"`)
}

func TestBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-batch", "0"}, "-batch"},
		{[]string{"-lr", "0"}, "-lr"},
		{[]string{"-dropout", "1"}, "-dropout"},
		{[]string{"-hidden", "0"}, "-hidden"},
		{[]string{"-nosuchflag"}, "nosuchflag"},
		{[]string{"-data", "/no/such/folder", "-dry-run"}, "/no/such/folder"},
		{[]string{"-dry-run", "-weights", "w.safetensors"}, "-weights"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append(c.args, "-o", t.TempDir()), &stdout, &stderr)
		require.Error(t, err, "%v", c.args)
		require.Contains(t, err.Error(), c.want, "%v", c.args)
		require.NotZero(t, cli.Exit(&stderr, "train-classifier", err))
		require.Equal(t, 1, bytes.Count(stderr.Bytes(), []byte("train-classifier:")), "one line naming the problem")
	}
}

// TestRefusesGenerativeOnlyFlags: the flags of the generative models'
// commands are not offered: -h does not list them and they are refused.
func TestRefusesGenerativeOnlyFlags(t *testing.T) {
	var help bytes.Buffer
	_, err := parse([]string{"-h"}, &help)
	require.ErrorIs(t, err, flag.ErrHelp)
	for _, args := range [][]string{{"-resume", "x"}, {"-init-from", "x"}, {"-freeze", "fc1"}, {"-digits", "1"}, {"-limit", "5"}, {"-eval-every", "2"}, {"-eval-n", "2"}, {"-weights", "w.safetensors"}} {
		_, err := parse(args, io.Discard)
		require.ErrorContains(t, err, "flag provided but not defined: "+args[0], "%v", args)
		require.NotContains(t, help.String(), "\n  "+args[0]+" ", "-h lists %s", args[0])
	}
	require.Contains(t, help.String(), "\n  -o ")
}

// TestColourFolder trains on a small colour MNIST folder (32×32 RGB
// digits, random tints on random backgrounds, ten class folders): the
// classifier takes the folder's shape and classes, records the class
// names, and beats chance (10%) by far on the folder's test/ images.
func TestColourFolder(t *testing.T) {
	data := filepath.Join(t.TempDir(), "colour-mnist")
	require.NoError(t, datasets.WriteColourMNIST(data, datasets.ColourMNISTOptions{N: 2000, Seed: 1}))
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-data", data, "-epochs", "6", "-batch", "32", "-o", out}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	t.Log(stdout.String())
	require.Contains(t, stdout.String(), "(2000 images 3x32x32); test: 200 images")
	require.Contains(t, stdout.String(), "classes: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9")

	c, err := checkpoints.Load(filepath.Join(out, "classifier.safetensors"))
	require.NoError(t, err)
	m, err := classifier.FromCheckpoint(c)
	require.NoError(t, err)
	ch, h, w := m.Config.ImageShape()
	require.Equal(t, []int{3, 32, 32, 10}, []int{ch, h, w, m.Config.Classes})
	names, err := c.Meta.ClassNames(m.Config.Classes)
	require.NoError(t, err)
	require.Equal(t, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, names)
	require.Equal(t, "image folder "+data, c.Meta.Extra["data"])
	acc, err := strconv.ParseFloat(c.Meta.Extra["test_accuracy"], 64)
	require.NoError(t, err)
	require.Greater(t, acc, 0.5)

	config, err := os.ReadFile(filepath.Join(out, "config.json"))
	require.NoError(t, err)
	require.Contains(t, string(config), `"class_names": [`)
	require.Contains(t, string(config), `"image_channels": 3`)
}
