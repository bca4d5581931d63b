package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/zoo"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
)

// small keeps the runs of the tests other than TestDryRun short: a small
// batch and U-Net.
var small = []string{"-batch", "8", "-unet-channels", "8,8"}

// TestDryRun runs the command with its default model end to end on real
// MNIST (with a smaller batch, to keep the test short) and checks the run
// folder and that the checkpoint loads.
func TestDryRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-dry-run", "-batch", "16", "-o", out}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	require.Contains(t, stdout.String(), "trained 1.00 epochs (20 steps)")
	require.Contains(t, stdout.String(), "model: diffusion, linear schedule, T=1000")
	for _, f := range []string{"config.json", "metrics.jsonl", "loss.png", "samples.png", "denoising.png", "samples/samples-epoch-001.png", "samples/denoising-epoch-001.png"} {
		_, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err, f)
	}
	m, err := zoo.Load(out)
	require.NoError(t, err)
	require.Equal(t, diffusion.Kind, m.Kind())
	d, err := m.(*zoo.Diffusion).WithSampling(diffusion.SampleConfig{Steps: 2})
	require.NoError(t, err)
	imgs, err := d.Generate(context.Background(), 3, 1, -1)
	require.NoError(t, err)
	require.Len(t, imgs, 3*784)
}

// TestConditional trains a class-conditional model; its samples grid has
// one column per digit and cmd/sample's -class works on it. The run serves
// its folder with -serve.
func TestConditional(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	var stdout bytes.Buffer
	require.NoError(t, run(context.Background(), append([]string{"-dry-run", "-steps", "3", "-classes", "10", "-cond-drop", "0.2", "-serve", "127.0.0.1:0", "-o", out}, small...), &stdout, &stdout))
	require.Contains(t, stdout.String(), "conditional on 10 classes (labels dropped with p=0.2)")
	require.Regexp(t, `watch the run at http://127\.0\.0\.1:\d+/run\?run=run\n`, stdout.String())
	m, err := zoo.Load(out)
	require.NoError(t, err)
	require.Equal(t, 10, m.Classes())
	require.Equal(t, 0.2, m.Config().(diffusion.Config).CondDrop)
}

func TestBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-batch", "0"}, "-batch"},
		{[]string{"-lr", "-1"}, "-lr"},
		{[]string{"-timesteps", "0"}, "-timesteps"},
		{[]string{"-schedule", "quadratic"}, "-schedule must be one of linear, cosine"},
		{[]string{"-unet-channels", "0,4"}, "-unet-channels"},
		{[]string{"-ema", "1"}, "-ema"},
		{[]string{"-cond-drop", "1"}, "-cond-drop"},
		{[]string{"-eta", "2"}, "-eta"},
		{[]string{"-sampler", "euler"}, "-sampler"},
		{[]string{"-dry-run", "-timesteps", "10", "-sample-steps", "20"}, "sampling steps must be from 1 to T = 10"},
		{[]string{"-dry-run", "-classes", "5"}, "-classes 5: image"},
		{[]string{"stray"}, "stray"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		args := append(append([]string(nil), small...), c.args...)
		if !slices.Contains(args, "-o") {
			args = append(args, "-o", filepath.Join(t.TempDir(), "run"))
		}
		err := run(context.Background(), args, &stdout, &stderr)
		require.ErrorContains(t, err, c.want, "%v", c.args)
		require.Equal(t, 2, cli.Exit(&stderr, "train-diffusion", err), "%v: a usage error", c.args)
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-h"}, &stdout, &stderr)
	require.Equal(t, 0, cli.Exit(&stderr, "train-diffusion", err))
	for _, want := range []string{"-timesteps", "-guidance", "-sample-steps", "GoMNIST"} {
		require.Contains(t, stdout.String(), want)
	}
}

// TestResumeMatchesUninterrupted: 6 steps, then -resume to 12, gives the
// same checkpoint tensors as 12 steps in one go; a flag that contradicts
// the resumed model is refused.
func TestResumeMatchesUninterrupted(t *testing.T) {
	var out bytes.Buffer
	args := func(extra ...string) []string { return append(append([]string{"-dry-run"}, small...), extra...) }
	straight := filepath.Join(t.TempDir(), "straight")
	require.NoError(t, run(context.Background(), args("-steps", "12", "-classes", "10", "-o", straight), &out, &out))

	split := filepath.Join(t.TempDir(), "split")
	require.NoError(t, run(context.Background(), args("-steps", "6", "-classes", "10", "-o", split), &out, &out))
	out.Reset()
	require.NoError(t, run(context.Background(), args("-steps", "12", "-resume", split), &out, &out), out.String())
	require.Contains(t, out.String(), "resuming at step 6")

	load := func(dir string) *checkpoints.Checkpoint {
		c, _, err := cli.OpenCheckpoint(dir)
		require.NoError(t, err)
		return c
	}
	a, b := load(straight), load(split)
	require.EqualValues(t, 12, b.Meta.Step)
	require.Equal(t, len(a.Tensors), len(b.Tensors))
	for _, ta := range a.Tensors {
		tb, ok := b.Find(ta.Name)
		require.True(t, ok, ta.Name)
		require.Equal(t, ta.Data, tb.Data, ta.Name)
	}
	err := run(context.Background(), args("-steps", "14", "-schedule", "cosine", "-resume", split), &out, &out)
	require.ErrorContains(t, err, "-schedule cosine, but")
}

// TestSampleEval: -eval-every measures samples drawn with the sampling
// flags.
func TestSampleEval(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := append([]string{"-dry-run", "-steps", "2", "-eval-every", "1", "-eval-n", "300", "-sample-steps", "2", "-o", filepath.Join(t.TempDir(), "run")}, small...)
	require.NoError(t, run(context.Background(), args, &stdout, &stderr), stderr.String())
	require.Regexp(t, `sample quality \(\d+ samples\): fid `, stdout.String())
}
