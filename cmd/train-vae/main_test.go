package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// evalRecords returns the "eval" lines of a run's metrics.jsonl.
func evalRecords(t *testing.T, out string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(out, "metrics.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var recs []map[string]any
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec))
		if rec["eval"] == true {
			recs = append(recs, rec)
		}
	}
	return recs
}

// TestDryRun runs the command end to end on real MNIST: the run folder
// holds every output, the test loss and the IWAE bounds are logged and
// printed, the bounds sit below the test loss, and the checkpoint loads
// for inference.
func TestDryRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-dry-run", "-o", out, "-iwae-k", "1,50"}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	require.Contains(t, stdout.String(), "trained 1.00 epochs (20 steps)")
	require.Contains(t, stdout.String(), "IWAE NLL bound k=1 ")
	require.Contains(t, stdout.String(), ", k=5 ")
	for _, f := range []string{"config.json", "metrics.jsonl", "loss.png", "samples.png", "reconstructions.png",
		"samples/samples-epoch-001.png", "samples/reconstructions-epoch-001.png"} {
		_, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err, f)
	}
	_, err = os.Stat(filepath.Join(out, "manifold.png"))
	require.True(t, os.IsNotExist(err), "no manifold for a 20-D latent space")

	recs := evalRecords(t, out)
	require.Len(t, recs, 1, "one epoch, evaluated once")
	loss := recs[0]["test_loss"].(float64)
	k1 := recs[0][vae.IWAEMetric(1)].(float64)
	k5 := recs[0][vae.IWAEMetric(5)].(float64)
	require.Greater(t, loss, 50.0)
	require.Less(t, loss, 550.0)
	require.InDelta(t, loss, k1, 0.03*loss, "IWAE with k=1 estimates the test loss")
	require.Less(t, k5, loss, "the IWAE bound lies below the ELBO loss")
	require.InDelta(t, loss, recs[0]["test_bce"].(float64)+recs[0]["test_kl"].(float64), 1e-6)

	latest, err := checkpoints.Dir{Path: filepath.Join(out, "checkpoints")}.Latest()
	require.NoError(t, err)
	v, err := vae.Load(latest)
	require.NoError(t, err)
	imgs, err := v.Sample(3, 1)
	require.NoError(t, err)
	require.Len(t, imgs, 3*784)

	// -eval on the run folder repeats the run's final evaluation exactly:
	// same checkpoint, same seed, same draws.
	var evalOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-ckpt", out, "-iwae-k", "1,50"}, &evalOut, &stderr))
	lines := bytes.Split(bytes.TrimSpace(stdout.Bytes()), []byte("\n"))
	var closingLine string
	for _, l := range lines {
		if bytes.HasPrefix(l, []byte("test loss")) {
			closingLine = string(l)
		}
	}
	require.NotEmpty(t, closingLine)
	require.Contains(t, evalOut.String(), closingLine)

	var cfg map[string]any
	b, err := os.ReadFile(filepath.Join(out, "config.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &cfg))
	require.Equal(t, "train-vae", cfg["command"])
	require.Equal(t, 20.0, cfg["model"].(map[string]any)["z"])
}

// TestDryRunManifold: a 2-D latent space adds the manifold grid, and the
// IWAE bound is logged at every epoch with -iwae-every.
func TestDryRunManifold(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-dry-run", "-o", out, "-z", "2", "-hidden", "64", "-binarize", "-beta", "2", "-iwae-every"}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	for _, f := range []string{"manifold.png", "samples/manifold-epoch-001.png"} {
		_, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err, f)
	}
	require.Contains(t, stdout.String(), "manifold: ")
	recs := evalRecords(t, out)
	require.Len(t, recs, 1)
	require.Contains(t, recs[0], vae.IWAEMetric(5), "-iwae-k 100 is capped at 5 in a dry run")
}

func TestBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-batch", "0"}, "-batch"},
		{[]string{"-lr", "-1"}, "-lr"},
		{[]string{"-epochs", "-3"}, "-epochs"},
		{[]string{"-z", "0"}, "-z"},
		{[]string{"-beta", "-1"}, "-beta"},
		{[]string{"-beta", "NaN"}, "-beta"},
		{[]string{"-hidden", "400,x"}, "-hidden"},
		{[]string{"-hidden", "0"}, "-hidden"},
		{[]string{"-iwae-k", "-5"}, "-iwae-k"},
		{[]string{"-iwae-k", "1,,2"}, "-iwae-k"},
		{[]string{"-iwae-k", "1000000"}, "-iwae-k"},
		{[]string{"-iwae-n", "-1"}, "-iwae-n"},
		{[]string{"-model", "gan"}, "-model must be one of mlp, conv"},
		{[]string{"-model", "conv-attention"}, "-model must be one of mlp, conv, conv-attn"},
		{[]string{"-model", "conv", "-hidden", "64"}, "-hidden sets the MLP's layers"},
		{[]string{"-nosuchflag"}, "nosuchflag"},
		{[]string{"-batch", "abc"}, "batch"},
		{[]string{"stray"}, "stray"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append(c.args, "-o", t.TempDir()), &stdout, &stderr)
		require.Error(t, err, "%v", c.args)
		require.Contains(t, err.Error(), c.want, "%v", c.args)
		require.Equal(t, 2, cli.Exit(&stderr, "train-vae", err), "%v: a usage error exits 2", c.args)
		require.Equal(t, 1, bytes.Count(stderr.Bytes(), []byte("train-vae:")), "one line naming the problem")
	}
	// A missing data folder is not a usage error, but still one line naming it.
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-data", "/no/such/folder", "-dry-run", "-o", t.TempDir()}, &stdout, &stderr)
	require.ErrorContains(t, err, "/no/such/folder")
	require.Equal(t, 1, cli.Exit(&stderr, "train-vae", err))
	stderr.Reset()
	err = run(context.Background(), []string{"-ckpt", "/no/such/ckpt", "-dry-run"}, &stdout, &stderr)
	require.ErrorContains(t, err, "-ckpt /no/such/ckpt")
	require.Equal(t, 1, cli.Exit(&stderr, "train-vae", err))
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-h"}, &stdout, &stderr)
	require.Equal(t, 0, cli.Exit(&stderr, "train-vae", err))
	for _, s := range []string{"-epochs", "-iwae-k", "-binarize", "GoMNIST", "nats"} {
		require.Contains(t, stdout.String(), s)
	}
}

// TestResumeMatchesUninterrupted: 8 steps, then -resume to 16, gives the
// same parameters as 16 steps in one go.
func TestResumeMatchesUninterrupted(t *testing.T) {
	var out bytes.Buffer
	straight := filepath.Join(t.TempDir(), "straight")
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "16", "-iwae-k", "0", "-o", straight}, &out, &out))
	split := filepath.Join(t.TempDir(), "split")
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "8", "-iwae-k", "0", "-o", split}, &out, &out))
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-steps", "16", "-iwae-k", "0", "-resume", split}, &out, &out))
	require.Contains(t, out.String(), "resuming at step 8")
	load := func(dir string) *checkpoints.Checkpoint {
		c, _, err := cli.OpenCheckpoint(dir)
		require.NoError(t, err)
		return c
	}
	a, b := load(straight), load(split)
	require.EqualValues(t, 16, b.Meta.Step)
	for _, ta := range a.Tensors {
		tb, ok := b.Find(ta.Name)
		require.True(t, ok, ta.Name)
		require.Equal(t, ta.Data, tb.Data, ta.Name)
	}
}

// TestDryRunConditional: -classes 10 trains a conditional VAE end to end
// on MNIST: the checkpoint is conditional, draws a chosen digit, and the
// samples grid is written (one column per class).
func TestDryRunConditional(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-dry-run", "-classes", "10", "-z", "2", "-o", out, "-iwae-k", "1,5"}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	require.Contains(t, stdout.String(), "conditional on 10 classes")
	require.NotContains(t, stdout.String(), "manifold:")
	for _, f := range []string{"samples.png", "reconstructions.png", "samples/samples-epoch-001.png"} {
		_, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err, f)
	}
	recs := evalRecords(t, out)
	require.Len(t, recs, 1)
	loss := recs[0]["test_loss"].(float64)
	require.Greater(t, loss, 50.0)
	require.Less(t, loss, 550.0)
	require.Less(t, recs[0][vae.IWAEMetric(5)].(float64), loss)

	latest, err := checkpoints.Dir{Path: filepath.Join(out, "checkpoints")}.Latest()
	require.NoError(t, err)
	v, err := vae.Load(latest)
	require.NoError(t, err)
	require.Equal(t, 10, v.Config().Classes)
	require.True(t, v.Config().LabelLayers, "a conditional model's default")
	require.Equal(t, 4.0, v.Config().Beta, "a conditional model's default")
	imgs, err := v.SampleClass(3, 7, 1)
	require.NoError(t, err)
	require.Len(t, imgs, 3*784)
	_, err = v.Decode(make([]float32, 2), nil)
	require.ErrorContains(t, err, "class-conditional")

	// -eval measures a conditional checkpoint with the test labels.
	var evalOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-ckpt", out, "-iwae-k", "1"}, &evalOut, &stderr))
	require.Contains(t, evalOut.String(), "test loss")

	err = run(context.Background(), []string{"-dry-run", "-classes", "-1", "-o", out}, &stdout, &stderr)
	require.ErrorContains(t, err, "-classes")

	// -label-layers and -beta-warmup reach the model and its checkpoint;
	// label layers need a conditional model.
	dir := t.TempDir()
	both := filepath.Join(dir, "both")
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-classes", "10", "-label-layers", "-beta-warmup", "5", "-iwae-k", "0", "-o", both}, &stdout, &stderr), stderr.String())
	v, err = vae.Load(both)
	require.NoError(t, err)
	require.True(t, v.Config().LabelLayers)
	require.Equal(t, 5, v.Config().BetaWarmup)
	// The flags given keep the model conditional models had before.
	plain := filepath.Join(dir, "plain")
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-classes", "10", "-label-layers=false", "-beta", "1", "-iwae-k", "0", "-o", plain}, &stdout, &stderr), stderr.String())
	c, _, err := cli.OpenCheckpoint(plain)
	require.NoError(t, err)
	require.NotContains(t, string(c.Meta.Config), "label_layers")
	require.Contains(t, string(c.Meta.Config), `"beta":1,`)
	// An unconditional model keeps β = 1 and refuses label layers.
	unconditional := filepath.Join(dir, "unconditional")
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-iwae-k", "0", "-o", unconditional}, &stdout, &stderr), stderr.String())
	u, err := vae.Load(unconditional)
	require.NoError(t, err)
	require.Equal(t, vae.Config{}.WithDefaults(), u.Config())
	err = run(context.Background(), []string{"-dry-run", "-label-layers", "-iwae-k", "0", "-o", filepath.Join(dir, "refused")}, &stdout, &stderr)
	require.ErrorContains(t, err, "conditional")
	err = run(context.Background(), []string{"-dry-run", "-beta-warmup", "-1", "-o", filepath.Join(dir, "negative")}, &stdout, &stderr)
	require.ErrorContains(t, err, "-beta-warmup")
}

// convArgs keeps conv runs short: small batches, a few steps, no IWAE.
var convArgs = []string{"-model", "conv", "-dry-run", "-batch", "16", "-iwae-k", "0"}

// TestDryRunConv: -model conv trains the convolutional VAE end to end on
// MNIST, says so in the model line, config.json and the checkpoint, and
// its run folder can be resumed exactly and used by -init-from (cmd/eval
// and cmd/sample test reading conv checkpoints).
func TestDryRunConv(t *testing.T) {
	dir := t.TempDir()
	straight, split := filepath.Join(dir, "straight"), filepath.Join(dir, "split")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append(convArgs, "-steps", "4", "-o", straight, "-iwae-k", "1,2", "-iwae-n", "50"), &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	require.Contains(t, stdout.String(), "model: conv VAE z=20 channels=[32 64] hidden=[256] ")
	require.Contains(t, stdout.String(), "trained 0.20 epochs (4 steps)")
	recs := evalRecords(t, straight)
	require.Len(t, recs, 1)
	loss := recs[0]["test_loss"].(float64)
	require.Greater(t, loss, 50.0)
	require.Less(t, loss, 550.0)

	var cfg map[string]any
	b, err := os.ReadFile(filepath.Join(straight, "config.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &cfg))
	require.Equal(t, "conv", cfg["flags"].(map[string]any)["model"])
	require.Equal(t, "conv", cfg["model"].(map[string]any)["arch"])
	require.Nil(t, cfg["flags"].(map[string]any)["hidden"], "-hidden is not the conv model's")

	c, _, err := cli.OpenCheckpoint(straight)
	require.NoError(t, err)
	m, err := vae.FromCheckpoint(c)
	require.NoError(t, err)
	require.Equal(t, vae.ArchConv, m.Config.Arch)
	require.Equal(t, []int{32, 64}, m.Config.Channels)

	// Resuming continues the conv run bit for bit; the default -model mlp
	// gives way to the checkpoint's architecture.
	require.NoError(t, run(context.Background(), append(convArgs, "-steps", "2", "-o", split), &stdout, &stdout))
	stdout.Reset()
	require.NoError(t, run(context.Background(), []string{"-dry-run", "-batch", "16", "-iwae-k", "0", "-steps", "4", "-resume", split}, &stdout, &stdout))
	require.Contains(t, stdout.String(), "resuming at step 2")
	require.Contains(t, stdout.String(), "model: conv VAE")
	resumed, _, err := cli.OpenCheckpoint(split)
	require.NoError(t, err)
	require.EqualValues(t, 4, resumed.Meta.Step)
	for _, ta := range c.Tensors {
		tb, ok := resumed.Find(ta.Name)
		require.True(t, ok, ta.Name)
		require.Equal(t, ta.Data, tb.Data, ta.Name)
	}

	// -init-from a conv run loads all 18 conv parameters.
	stdout.Reset()
	require.NoError(t, run(context.Background(), append(convArgs, "-steps", "1", "-init-from", straight, "-o", filepath.Join(dir, "init")), &stdout, &stdout))
	require.Contains(t, stdout.String(), "loaded 18 parameters")
}

// TestDryRunConvAttention trains the conv VAE with self-attention and
// samples from its checkpoint.
func TestDryRunConvAttention(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-dry-run", "-model", "conv-attn", "-batch", "16", "-steps", "3", "-iwae-k", "0", "-o", out}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	require.Contains(t, stdout.String(), "model: conv-attn VAE")
	c, _, err := cli.OpenCheckpoint(out)
	require.NoError(t, err)
	m, err := vae.FromCheckpoint(c)
	require.NoError(t, err)
	require.NotNil(t, m.Params().Find("enc.attn.gamma"))
	require.NotNil(t, m.Params().Find("dec.attn.v.weight"))
	imgs, err := vae.NewInference(m).Sample(4, 1)
	require.NoError(t, err)
	require.Len(t, imgs, 4*784)
}
