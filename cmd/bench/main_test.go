package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/internal/cli"
)

// TestTableAllModels runs the command for real on MNIST with a tiny
// budget and checks that the table has a sane row for each model.
func TestTableAllModels(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-steps", "3", "-repeats", "1", "-warmup", "1", "-peer", "off"}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	out := stdout.String()
	require.Contains(t, out, "| model | batch | images/s |")
	for _, m := range []string{"| MLP GAN | 64 |", "| MLP GAN (textbook) | 64 |", "| MLP VAE | 128 |", "| conv VAE | 128 |", "| conv-attn VAE | 128 |", "| DCGAN | 64 |", "| SAGAN | 64 |",
		"| diffusion U-Net | 128 |", "| diffusion sampling step | 50 |"} {
		require.Contains(t, out, m)
	}
	require.Contains(t, out, "fewer for slow models: diffusion U-Net 1, diffusion sampling step 1)")
	require.Contains(t, out, "load average before")
	require.Contains(t, out, "note: PyTorch peer off")
	require.Contains(t, out, "GFLOP/s float32, the best rate of", out)
	require.Regexp(t, `\| SAGAN \| 64 \|( [^|]+ \|){7} [0-9.]+ \| [0-9.]+ \| [0-9.]+% \| n/a \|`, out, "SAGAN's counted work, rate and share of the peak")
	require.Equal(t, 9, strings.Count(out, "| n/a | n/a |"), out)
}

// TestJSONAndMissingPython checks that -peer auto degrades to n/a and a
// note when the interpreter does not exist, and that -json reports
// positive speeds.
func TestJSONAndMissingPython(t *testing.T) {
	var stdout, stderr bytes.Buffer
	missing := filepath.Join(t.TempDir(), "no-python")
	err := run(context.Background(), []string{"-steps", "2", "-repeats", "1", "-warmup", "0", "-models", "gan",
		"-python", missing, "-json"}, &stdout, &stderr)
	require.NoError(t, err, "stderr: %s", stderr.String())
	var rep report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
	require.Len(t, rep.Rows, 1)
	r := rep.Rows[0]
	require.Equal(t, "MLP GAN", r.Model)
	require.Greater(t, r.ImagesPerS, 0.0)
	require.Greater(t, r.AllocsPerStep, 0.0)
	require.Greater(t, r.PeakRSSMiB, 0.0)
	require.Nil(t, r.PeerImagesPS)
	require.Greater(t, r.GFLOPPerStep, 0.0)
	require.Greater(t, r.GFLOPS, 0.0)
	require.NotNil(t, r.PercentOfPeak)
	require.Greater(t, *r.PercentOfPeak, 0.0)
	require.Greater(t, rep.PeakGFLOPS, 0.0)
	require.NotEmpty(t, rep.PeakKernel)
	require.Len(t, rep.Notes, 1)
	require.Contains(t, rep.Notes[0], "PyTorch peer n/a")
}

// TestPeerOnFailsWithoutTorch: asking for the peer explicitly must fail
// loudly instead of printing a table without it.
func TestPeerOnFailsWithoutTorch(t *testing.T) {
	var stdout, stderr bytes.Buffer
	missing := filepath.Join(t.TempDir(), "no-python")
	err := run(context.Background(), []string{"-peer", "on", "-python", missing}, &stdout, &stderr)
	require.ErrorContains(t, err, "-peer on")
}

// TestEmbeddedPeer runs rows against a stand-in interpreter that passes
// the torch check and answers like a peer script: the embedded script must
// be found from the test's folder (-peer on), get its arguments (the
// model's recipe and -threads), and its temporary folder must be gone
// afterwards.
func TestEmbeddedPeer(t *testing.T) {
	for _, c := range []struct {
		model, name, threads string
		args                 []string
	}{
		{"dcgan", "DCGAN", "2", []string{"gan_conv.py", "--arch", "dcgan", "--steps", "21", "--seed", "0", "--threads", "2"}},
		{"vae-conv", "conv VAE", "2", []string{"vae_conv.py", "--arch", "conv", "--steps", "21", "--seed", "0", "--threads", "2"}},
		{"gan", "MLP GAN", "3", []string{"gan_mlp.py", "--steps", "21", "--seed", "0", "--d-pack", "2", "--d-dropout", "0.3", "--ema", "0.999", "--threads", "3"}},
		{"gan-textbook", "MLP GAN (textbook)", "1", []string{"gan_mlp.py", "--steps", "21", "--seed", "0", "--d-pack", "1", "--d-dropout", "0", "--ema", "0", "--threads", "1"}},
		{"vae", "MLP VAE", "2", []string{"vae_mlp.py", "--steps", "21", "--seed", "0", "--threads", "2"}},
		{"diffusion", "diffusion U-Net", "2", []string{"diffusion.py", "--mode", "train", "--steps", "21", "--seed", "0", "--threads", "2"}},
		{"diffusion-sample", "diffusion sampling step", "1", []string{"diffusion.py", "--mode", "sample", "--steps", "21", "--seed", "0", "--threads", "1"}},
	} {
		t.Run(c.model, func(t *testing.T) {
			tmp := t.TempDir()
			seen := filepath.Join(tmp, "seen")
			python := filepath.Join(tmp, "python")
			script := `#!/bin/sh
[ "$1" = "-c" ] && { echo 100; exit 0; }
[ -f "$1" ] || { echo "no $1 in $PWD" >&2; exit 1; }
echo "$PWD $*" > ` + seen + `
echo "steps_per_s=2.0 images_per_s=128.0"
`
			require.NoError(t, os.WriteFile(python, []byte(script), 0o755))
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"-models", c.model, "-steps", "1", "-repeats", "1", "-warmup", "0",
				"-peer", "on", "-python", python, "-threads", c.threads, "-json"}, &stdout, &stderr)
			require.NoError(t, err, "stderr: %s", stderr.String())
			var rep report
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
			require.Len(t, rep.Rows, 1)
			require.Equal(t, c.name, rep.Rows[0].Model)
			require.Equal(t, 100.0, rep.PeerMatMulGFLOPS, "the probe's answer is recorded")
			require.NotNil(t, rep.Rows[0].PeerImagesPS)
			require.Equal(t, 128.0, *rep.Rows[0].PeerImagesPS)
			b, err := os.ReadFile(seen)
			require.NoError(t, err)
			f := strings.Fields(string(b))
			require.Equal(t, c.args, f[1:])
			require.Equal(t, c.threads, strconv.Itoa(rep.GOMAXPROCS), "the Go side runs on the peer's thread count")
			_, err = os.Stat(f[0])
			require.True(t, os.IsNotExist(err), "the embedded scripts' folder %s is left behind", f[0])
		})
	}
}

// TestEmbeddedPeerParses checks the embedded scripts' syntax without
// importing torch (so it is fast), where a python3 is installed.
func TestEmbeddedPeerParses(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	for _, name := range []string{"diffusion.py", "gan_conv.py", "gan_mlp.py", "vae_conv.py", "vae_mlp.py"} {
		src, err := ownPeers.ReadFile("peer/" + name)
		require.NoError(t, err)
		cmd := exec.Command(python, "-c", "import ast, sys; ast.parse(sys.stdin.read(), sys.argv[1])", name)
		cmd.Stdin = bytes.NewReader(src)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s: %s", name, out)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-steps", "0"}, {"-models", "gan,cnn"}, {"-peer", "maybe"}, {"-repeats", "-1"}, {"-threads", "0"}, {"-peak-time", "-1s"}} {
		_, err := parse(args, &bytes.Buffer{})
		var u *cli.UsageError
		require.ErrorAs(t, err, &u, "%v", args)
	}
}

func TestParseImagesPerS(t *testing.T) {
	v, err := parseImagesPerS("ep 1 step 100 loss_d=1\ntrain_wall_s=3.1 steps=340\nsteps_per_s=131.25 images_per_s=8400.0\n")
	require.NoError(t, err)
	require.InDelta(t, 8400.0, v, 1e-9)
	v, err = parseImagesPerS("final test_loss=126.9 iwae_nll=nan steps_per_s=100.00 images_per_s=12800.0")
	require.NoError(t, err)
	require.InDelta(t, 12800.0, v, 1e-9)
	for _, bad := range []string{"", "steps_per_s=nan images_per_s=nan  (need more than 20 steps)", "images_per_s=12\ndone"} {
		_, err := parseImagesPerS(bad)
		require.Error(t, err, "%q", bad)
	}
}

// TestSetFLOPs checks the arithmetic columns: the counted work over the
// median step time, as a share of the peak, and at the peer's speed.
func TestSetFLOPs(t *testing.T) {
	peer := 640.0 // images/s: 10 steps/s of 64
	for _, c := range []struct {
		name                string
		flops               int64
		peak                float64
		peer                *float64
		gflops              float64
		percent, peerGFLOPS *float64
	}{
		{"all", 2e9, 200e9, &peer, 20, ptr(10.0), ptr(20.0)},
		{"no peak, no peer", 2e9, 0, nil, 20, nil, nil},
		{"no count", 0, 200e9, &peer, 0, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := row{Batch: 64, MsPerStep: 100, PeerImagesPS: c.peer}
			r.setFLOPs(c.flops, c.peak)
			require.InDelta(t, c.gflops, r.GFLOPS, 1e-9)
			require.Equal(t, c.percent == nil, r.PercentOfPeak == nil)
			if c.percent != nil {
				require.InDelta(t, *c.percent, *r.PercentOfPeak, 1e-9)
			}
			require.Equal(t, c.peerGFLOPS == nil, r.PeerGFLOPS == nil)
			if c.peerGFLOPS != nil {
				require.InDelta(t, *c.peerGFLOPS, *r.PeerGFLOPS, 1e-9)
			}
		})
	}
}

func ptr(x float64) *float64 { return &x }

func TestMedian(t *testing.T) {
	require.Equal(t, 2.0, median([]float64{3, 1, 2}))
	require.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
}

func TestPeerEnv(t *testing.T) {
	env := peerEnv([]string{"PATH=/bin", "MALLOC_TOP_PAD_=5"}, "/data/mnist")
	require.Contains(t, env, "PATH=/bin")
	require.Contains(t, env, "MNIST_DIR=/data/mnist")
	require.Contains(t, env, "MALLOC_MMAP_THRESHOLD_=1000000000")
	require.Contains(t, env, "MALLOC_TRIM_THRESHOLD_=1000000000")
	require.Contains(t, env, "MALLOC_TOP_PAD_=5", "a setting of the user's own is kept")
	require.NotContains(t, env, "MALLOC_TOP_PAD_=100000000")
	require.NotContains(t, strings.Join(peerEnv(nil, ""), " "), "MNIST_DIR", "no directory, no variable")
}

func TestSlowBLAS(t *testing.T) {
	for _, tc := range []struct {
		gflops, peak float64
		slow         bool
	}{
		{gflops: 5, peak: 434, slow: true},   // the reference BLAS
		{gflops: 67, peak: 434, slow: false}, // OpenBLAS
		{gflops: 21, peak: 434, slow: true},  // below a twentieth of the peak
		{gflops: 22, peak: 434, slow: false},
		{gflops: 15, peak: 0, slow: true}, // peak not measured: 20 GFLOP/s
		{gflops: 25, peak: 0, slow: false},
	} {
		note := slowBLAS(tc.gflops, tc.peak)
		if tc.slow {
			require.Contains(t, note, "reference BLAS", "%g GFLOP/s against a peak of %g", tc.gflops, tc.peak)
		} else {
			require.Empty(t, note, "%g GFLOP/s against a peak of %g", tc.gflops, tc.peak)
		}
	}
}
