package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// TestDryRun runs the command end to end on real MNIST and checks the run
// folder and that the checkpoint loads into a generator.
func TestDryRun(t *testing.T) {
	for _, model := range []string{"mlp", "dcgan", "sagan"} {
		t.Run(model, func(t *testing.T) { testDryRun(t, model) })
	}
}

func testDryRun(t *testing.T, model string) {
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-dry-run", "-model", model, "-o", out}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	require.Contains(t, stdout.String(), "trained 1.00 epochs (20 steps)")
	require.Contains(t, stdout.String(), "model: "+model+" GAN")
	for _, f := range []string{"config.json", "metrics.jsonl", "loss.png", "samples.png", "samples/samples-epoch-001.png"} {
		_, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err, f)
	}
	latest, err := checkpoints.Dir{Path: filepath.Join(out, "checkpoints")}.Latest()
	require.NoError(t, err)
	g, err := gan.LoadGenerator(latest)
	require.NoError(t, err)
	imgs, err := g.Generate(3, 1)
	require.NoError(t, err)
	require.Len(t, imgs, 3*784)
}

func TestBadFlags(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notADir, []byte("x"), 0o644))
	corrupt := filepath.Join(t.TempDir(), "ckpt.safetensors")
	require.NoError(t, os.WriteFile(corrupt, []byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":"), 0o644))
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-batch", "0"}, "-batch"},
		{[]string{"-lr", "-1"}, "-lr"},
		{[]string{"-epochs", "-3"}, "-epochs"},
		{[]string{"-z", "0"}, "-z"},
		{[]string{"-model", "vit"}, "mlp, dcgan, sagan"},
		{[]string{"-model", "dcgan", "-g-channels", "64,32,16"}, "dcgan with 3 stages needs image sides divisible by 8, got 28x28"},
		{[]string{"-model", "dcgan", "-g-channels", "64,32", "-d-channels", "32"}, "one channel count per stage for G and as many for D, got G [64 32] D [32]"},
		{[]string{"-model", "sagan", "-d-channels", "8,x"}, `-d-channels: "x" is not a channel count`},
		{[]string{"-classes", "many"}, "-classes"},
		{[]string{"-model", "sagan", "-d-channels", "0,4"}, "-d-channels"},
		{[]string{"-model", "sagan", "-lr-d", "-1"}, "-lr-d"},
		{[]string{"-batch", "63"}, "-d-pack"},
		{[]string{"-ema", "1"}, "-ema"},
		{[]string{"-nosuchflag"}, "nosuchflag"},
		{[]string{"-batch", "abc"}, "batch"},
		{[]string{"stray"}, "stray"},
		{[]string{"-data", "/no/such/folder", "-dry-run"}, "/no/such/folder"},
		{[]string{"-dry-run", "-o", filepath.Join(notADir, "run")}, "file/run"},
		{[]string{"-dry-run", "-resume", corrupt}, "ckpt.safetensors"},
		{[]string{"-dry-run", "-resume", "/no/such/run"}, "/no/such/run"},
		{[]string{"-d-pack", "0"}, "-d-pack"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		args := c.args
		if !slices.Contains(args, "-o") {
			args = append(args, "-o", t.TempDir())
		}
		err := run(context.Background(), args, &stdout, &stderr)
		require.Error(t, err, "%v", c.args)
		require.Contains(t, err.Error(), c.want, "%v", c.args)
		code := cli.Exit(&stderr, "train-gan", err)
		require.NotZero(t, code)
		require.Equal(t, 1, bytes.Count(stderr.Bytes(), []byte("train-gan:")), "one line naming the problem")
	}
	var stdout bytes.Buffer
	require.Equal(t, 2, cli.Exit(&stdout, "train-gan", run(context.Background(), []string{"-batch", "0"}, &stdout, &stdout)))
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-h"}, &stdout, &stderr)
	require.Equal(t, 0, cli.Exit(&stderr, "train-gan", err))
	require.Contains(t, stdout.String(), "-epochs")
	require.Contains(t, stdout.String(), "GoMNIST")
}

// TestResumeMatchesUninterrupted: 10 steps, then -resume to 20, gives the
// same checkpoint tensors as 20 steps in one go.
func TestResumeMatchesUninterrupted(t *testing.T) {
	var out bytes.Buffer
	straight := filepath.Join(t.TempDir(), "straight")
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "20", "-o", straight}, &out, &out))

	split := filepath.Join(t.TempDir(), "split")
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "10", "-o", split}, &out, &out))
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "20", "-resume", split}, &out, &out))
	require.Contains(t, out.String(), "resuming at step 10")

	load := func(dir string) *checkpoints.Checkpoint {
		c, _, err := cli.OpenCheckpoint(dir)
		require.NoError(t, err)
		return c
	}
	a, b := load(straight), load(split)
	require.EqualValues(t, 20, b.Meta.Step)
	require.Equal(t, len(a.Tensors), len(b.Tensors))
	for _, ta := range a.Tensors {
		tb, ok := b.Find(ta.Name)
		require.True(t, ok, ta.Name)
		require.Equal(t, ta.Data, tb.Data, ta.Name)
	}

	// A budget the checkpoint has already reached is a usage error.
	err := run(context.Background(), []string{"-dry-run", "-steps", "20", "-resume", split}, &out, &out)
	require.ErrorContains(t, err, "-resume")
}

// TestDryRunWithSampleEval: -eval-every measures the samples with the
// reference classifier and logs the numbers.
func TestDryRunWithSampleEval(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-eval-every", "1", "-eval-n", "300", "-o", out}, &stdout, &stderr), stderr.String())
	require.Regexp(t, `sample quality \(\d+ samples\): fid `, stdout.String())
	require.Contains(t, stdout.String(), "digits_covered")
	b, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	require.NoError(t, err)
	require.Contains(t, string(b), `"fid":`)

	// Resuming through the wrapper keeps the step's state.
	var again bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "30", "-eval-every", "1", "-eval-n", "300", "-resume", out}, &again, &again))
	require.Contains(t, again.String(), "resuming at step 20")
}

// TestDigitsAndLimit trains on a subset: only 3s and 7s, at most 300.
func TestDigitsAndLimit(t *testing.T) {
	var stdout bytes.Buffer
	out := filepath.Join(t.TempDir(), "run")
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-digits", "3,7", "-limit", "300", "-o", out}, &stdout, &stdout))
	require.Contains(t, stdout.String(), "(300 images 28x28)")
	require.Contains(t, stdout.String(), "digits [3 7]")

	err := run(context.Background(), []string{"-dry-run", "-digits", "3,x", "-o", out}, &stdout, &stdout)
	require.ErrorContains(t, err, "-digits")
}

// TestInitFromAndFreeze: a new run starts from another's parameters, and
// the frozen ones end bit-equal to where they started.
func TestInitFromAndFreeze(t *testing.T) {
	var stdout bytes.Buffer
	pre := filepath.Join(t.TempDir(), "pre")
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "10", "-o", pre}, &stdout, &stdout))
	stdout.Reset()
	fine := filepath.Join(t.TempDir(), "fine")
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-digits", "5,6,7,8,9", "-limit", "500",
		"-init-from", pre, "-freeze", "gen.fc1,disc.fc1", "-o", fine}, &stdout, &stdout))
	require.Contains(t, stdout.String(), "loaded 18 parameters")
	require.Contains(t, stdout.String(), "frozen: disc.fc1.weight disc.fc1.bias gen.fc1.weight gen.fc1.bias")

	load := func(dir string) *checkpoints.Checkpoint {
		c, _, err := cli.OpenCheckpoint(dir)
		require.NoError(t, err)
		return c
	}
	a, b := load(pre), load(fine)
	for _, name := range []string{"gen.fc1.weight", "gen.fc1.bias", "disc.fc1.weight", "disc.fc1.bias"} {
		ta, _ := a.Find(name)
		tb, _ := b.Find(name)
		require.Equal(t, ta.Data, tb.Data, "%s is frozen", name)
	}
	ta, _ := a.Find("gen.fc2.weight")
	tb, _ := b.Find("gen.fc2.weight")
	require.NotEqual(t, ta.Data, tb.Data, "gen.fc2 trains")

	err := run(context.Background(), []string{"-dry-run", "-freeze", "nosuch.", "-o", t.TempDir()}, &stdout, &stdout)
	require.ErrorContains(t, err, "nosuch.")
	err = run(context.Background(), []string{"-dry-run", "-steps", "30", "-init-from", pre, "-resume", pre}, &stdout, &stdout)
	require.ErrorContains(t, err, "-init-from")
}

// TestModelDefaults: each -model starts from its own settings, flags given
// on the command line win, and a resumed run keeps its model's defaults.
func TestModelDefaults(t *testing.T) {
	o, err := parse([]string{"-model", "sagan"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, []float64{1e-3, 5e-4, 0, 0.9}, []float64{o.LRD, o.LRG, o.Beta1, o.Beta2})
	require.Equal(t, 1, o.DPack)
	o, err = parse([]string{"-model", "sagan", "-lr-d", "4e-4", "-d-pack", "2"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, 4e-4, o.LRD)
	require.Equal(t, 2, o.DPack)
	o, err = parse(nil, io.Discard)
	require.NoError(t, err)
	require.Equal(t, []float64{0, 0, 0.5, 0.999}, []float64{o.LRD, o.LRG, o.Beta1, o.Beta2})
	require.Equal(t, 2, o.DPack)

	out := filepath.Join(t.TempDir(), "run")
	var log bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-model", "sagan", "-dry-run", "-steps", "2", "-o", out}, &log, &log), log.String())
	log.Reset()
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "3", "-resume", out}, &log, &log), log.String())
	b, err := os.ReadFile(filepath.Join(out, "config.json"))
	require.NoError(t, err)
	require.Contains(t, string(b), `"lr_d": 0.001`)
	require.Contains(t, string(b), `"model": "sagan"`)
	err = run(context.Background(), []string{"-model", "dcgan", "-dry-run", "-steps", "4", "-resume", out}, &log, &log)
	require.ErrorContains(t, err, "holds a sagan model")
}
