// Command bench measures how fast each zoo model trains and prints one
// table: images/s, ms/step, allocations and bytes per step, peak RSS and,
// where python3 with PyTorch is installed, the PyTorch peer's images/s for
// the same model measured in the same run, with the ratio ours/PyTorch.
//
// Each model is timed through its own Step on real MNIST batches (the
// loader's Fill included, as the trainer would call it), never through the
// whole trainer, so hooks, progress bars and checkpoints are left out. Go
// and PyTorch runs alternate (Go, PyTorch, Go, PyTorch, …) and the table
// shows medians, so that a burst of load on a shared machine hits both
// sides rather than one.
//
// Four more columns compare each step with the machine: the
// floating-point operations of its matrix products and convolutions,
// counted from its compiled graphs (graphs.Machine.FLOPs), per step; that
// count over the median step time (GFLOP/s); that rate as a share of the
// CPU's float32 peak, measured by FMA loops at start (package
// internal/peak); and the same count at the peer's speed.
//
// Both sides get the same number of cores: -threads (default: every core)
// sets GOMAXPROCS for the Go side and the peer's torch and OpenBLAS
// threads.
//
// The diffusion model has two rows: its training step and one step of
// its sampler (a forward pass of the sampling graph on a batch of 50 and
// the DDIM update), each against peer/diffusion.py, whose U-Net a test
// checks to be ours (same parameter names and shapes, same ε̂ and
// gradients for the same weights and inputs).
//
// The peers (peer/gan_mlp.py, gan_conv.py, vae_mlp.py, vae_conv.py and
// diffusion.py beside this file, the others importing gan_conv.py's data
// reader, attention block and training loops) are embedded in the binary and written to a temporary
// folder for the run, so that they are found from any folder and from an
// installed binary alike.
package main

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/internal/peak"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

const summary = `
bench times one training step of each zoo model on MNIST and, when
/usr/bin/python3 can import torch, the PyTorch peer scripts beside it.

  go run ./cmd/bench                       # all models, PyTorch if available
  go run ./cmd/bench -models gan -peer off -steps 100
  go run ./cmd/bench -models dcgan,sagan -steps 30
  go run ./cmd/bench -models diffusion,diffusion-sample -steps 20
  go run ./cmd/bench -json > bench.json

The peers (cmd/bench/peer/gan_mlp.py, gan_conv.py, vae_mlp.py,
vae_conv.py and diffusion.py) are built into the command. Go and PyTorch both run on
-threads cores (default: all).`

// ownPeers are the peer scripts kept in this repository, written to a
// temporary folder when the peer takes part.
//
//go:embed peer/*.py
var ownPeers embed.FS

// peerTimeout bounds one PyTorch run, so that a hung interpreter cannot
// hang the benchmark: the slowest peers, gan_conv.py's SAGAN and
// diffusion.py's training step (its 20 warm-up steps included), need about
// a minute on 2 cores.
const peerTimeout = 5 * time.Minute

type options struct {
	Steps   int
	Warmup  int
	Repeats int
	Models  []string
	Peer    string // auto, on, off
	Python  string
	Threads int // GOMAXPROCS for Go, torch and OpenBLAS threads for the peer
	Data    string
	JSON    bool
	// PeakTime is how long the FMA loops run to measure the machine's
	// peak; 0 skips them.
	PeakTime time.Duration
}

// model is one row of the table: how to build its step and how to run its
// PyTorch peer.
type model struct {
	id, name string
	batch    int
	scale    datasets.Scale
	// build returns the model's training step.
	build func(seed uint64) (step, error)
	// peerArgs returns the peer script and its arguments for about steps
	// timed steps.
	peerArgs func(steps int) []string
	// slow divides -steps and -warmup for a model whose step takes a
	// large part of a second or more, so that its rows take about as long
	// as the others'; 0 means 1.
	slow int
}

// steps returns the model's share of n steps: n/slow, at least 1 (0 stays
// 0, for no warm-up).
func (m model) steps(n int) int {
	if m.slow <= 1 || n == 0 {
		return n
	}
	return max(n/m.slow, 1)
}

var models = []model{
	mlpGAN("gan", "MLP GAN", ganRecipe("mlp")),
	// The same networks with the textbook recipe: no packing, dropout or
	// weight average.
	mlpGAN("gan-textbook", "MLP GAN (textbook)", textbook(ganRecipe("mlp"))),
	{
		id: "vae", name: "MLP VAE", batch: vaeRecipe(vae.ArchMLP).Train.Batch, scale: datasets.ScaleUnit,
		build: vaeStep(vaeRecipe(vae.ArchMLP)),
		// vae_mlp.py times the steps after its 20 warm-up steps.
		peerArgs: func(steps int) []string {
			return []string{"vae_mlp.py", "--steps", strconv.Itoa(steps + 20), "--seed", "0"}
		},
	},
	// The convolutional models with their recipes (train-vae's and
	// train-gan's -model), against peer/vae_conv.py and peer/gan_conv.py.
	convVAE("vae-conv", "conv VAE", vae.ArchConv),
	convVAE("vae-conv-attn", "conv-attn VAE", vae.ArchConvAttn),
	convGAN("dcgan", "DCGAN", ganRecipe("dcgan")),
	convGAN("sagan", "SAGAN", ganRecipe("sagan")),
	// The diffusion model (diffusion.Preset()): a training step of its
	// U-Net, and one sampling step, against peer/diffusion.py.
	{
		id: "diffusion", name: "diffusion U-Net", batch: diffusion.Preset().Train.Batch, scale: datasets.ScaleSigned,
		build: diffusionStep, slow: 10,
		// diffusion.py, like the others, times the steps after its 20
		// warm-up steps.
		peerArgs: func(steps int) []string {
			return []string{"diffusion.py", "--mode", "train", "--steps", strconv.Itoa(steps + 20), "--seed", "0"}
		},
	},
	{
		id: "diffusion-sample", name: "diffusion sampling step", batch: diffusion.SampleBatch, scale: datasets.ScaleSigned,
		build: diffusionSamplingStep, slow: 2,
		peerArgs: func(steps int) []string {
			return []string{"diffusion.py", "--mode", "sample", "--steps", strconv.Itoa(steps + 20), "--seed", "0"}
		},
	},
}

// ganRecipe and vaeRecipe return the library's recipes. The names are
// this file's own, so an unknown one is a bug, found when the command
// starts.
func ganRecipe(name string) gan.Recipe {
	r, err := gan.Preset(name)
	if err != nil {
		panic(err)
	}
	return r
}

func vaeRecipe(name string) vae.Recipe {
	r, err := vae.Preset(name)
	if err != nil {
		panic(err)
	}
	return r
}

// textbook returns r without packing, dropout or weight average.
func textbook(r gan.Recipe) gan.Recipe {
	r.Config.DPack, r.Config.DDropout, r.Config.EMA = 1, -1, -1
	return r
}

// step is a model's step as the bench runs it: a function of one batch,
// and the floating-point operations of its matrix products and
// convolutions, counted from its graphs (see graphs.Machine.FLOPs).
type step struct {
	run   func([]float32) error
	flops int64
}

// ganStep and vaeStep build a recipe's training step.
func ganStep(r gan.Recipe) func(seed uint64) (step, error) {
	return func(seed uint64) (step, error) {
		m, err := gan.New(r.Config, seed)
		if err != nil {
			return step{}, err
		}
		s, err := gan.NewStep(m, r.Train, seed)
		if err != nil {
			return step{}, err
		}
		return step{func(b []float32) error { _, err := s.Run(b, nil); return err }, s.FLOPs()}, nil
	}
}

func vaeStep(r vae.Recipe) func(seed uint64) (step, error) {
	return func(seed uint64) (step, error) {
		m, err := vae.New(r.Config, seed)
		if err != nil {
			return step{}, err
		}
		s, err := vae.NewStep(m, r.Train, seed)
		if err != nil {
			return step{}, err
		}
		return step{func(b []float32) error { _, err := s.Run(b, nil); return err }, s.FLOPs()}, nil
	}
}

// diffusionStep builds the preset's training step.
func diffusionStep(seed uint64) (step, error) {
	r := diffusion.Preset()
	m, err := diffusion.New(r.Config, seed)
	if err != nil {
		return step{}, err
	}
	s, err := diffusion.NewStep(m, r.Train, seed)
	if err != nil {
		return step{}, err
	}
	return step{func(b []float32) error { _, err := s.Run(b, nil); return err }, s.FLOPs()}, nil
}

// diffusionSamplingStep builds one step of the preset's sampler: one
// deterministic DDIM step (the last of any DDIM run) of a full batch of
// the sampling graph, from fresh noise through the weight average, as
// Sampler.Sample draws images. The batch it is given is not used.
func diffusionSamplingStep(seed uint64) (step, error) {
	m, err := diffusion.New(diffusion.Preset().Config, seed)
	if err != nil {
		return step{}, err
	}
	s := diffusion.NewSampler(m)
	flops, err := s.FLOPs()
	if err != nil {
		return step{}, err
	}
	sc := diffusion.SampleConfig{Steps: 1, Eta: -1} // η = 0, as the twin
	return step{func([]float32) error {
		_, err := s.Sample(context.Background(), diffusion.SampleBatch, seed, -1, sc)
		return err
	}, flops}, nil
}

// mlpGAN is the row of an MLP GAN, timed against gan_mlp.py with the same
// recipe (packing, dropout and weight average), so both sides do the same
// work.
func mlpGAN(id, name string, r gan.Recipe) model {
	cfg := r.Config.WithDefaults()
	return model{
		id: id, name: name, batch: r.Train.Batch, scale: datasets.ScaleSigned,
		build: ganStep(r),
		// gan_mlp.py times the steps after its 20 warm-up steps; a
		// negative setting (none) is its 0.
		peerArgs: func(steps int) []string {
			return []string{"gan_mlp.py", "--steps", strconv.Itoa(steps + 20), "--seed", "0",
				"--d-pack", strconv.Itoa(max(cfg.DPack, 1)), "--d-dropout", fmtFloat(max(cfg.DDropout, 0)), "--ema", fmtFloat(max(cfg.EMA, 0))}
		},
	}
}

// convVAE is the row of a convolutional VAE with its recipe.
func convVAE(id, name, arch string) model {
	r := vaeRecipe(arch)
	return model{
		id: id, name: name, batch: r.Train.Batch, scale: datasets.ScaleUnit,
		build: vaeStep(r),
		// vae_conv.py times the steps after its 20 warm-up steps.
		peerArgs: func(steps int) []string {
			return []string{"vae_conv.py", "--arch", arch, "--steps", strconv.Itoa(steps + 20), "--seed", "0"}
		},
	}
}

// convGAN is the row of a convolutional GAN, timed against gan_conv.py
// with the same architecture.
func convGAN(id, name string, r gan.Recipe) model {
	return model{
		id: id, name: name, batch: r.Train.Batch, scale: datasets.ScaleSigned,
		build: ganStep(r),
		// gan_conv.py, like gan_mlp.py, times the steps after its 20
		// warm-up steps.
		peerArgs: func(steps int) []string {
			return []string{"gan_conv.py", "--arch", id, "--steps", strconv.Itoa(steps + 20), "--seed", "0"}
		},
	}
}

// fmtFloat writes x for a peer's command line, as short as it reads back.
func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// modelIDs returns the ids of the table's rows, comma-separated.
func modelIDs() string {
	ids := make([]string, len(models))
	for i, m := range models {
		ids[i] = m.id
	}
	return strings.Join(ids, ",")
}

// row is one model's measurements; medians over the repeats.
type row struct {
	Model         string   `json:"model"`
	Batch         int      `json:"batch"`
	Steps         int      `json:"steps"` // per repeat: -steps, fewer for a slow model
	ImagesPerS    float64  `json:"images_per_s"`
	MsPerStep     float64  `json:"ms_per_step"`
	AllocsPerStep float64  `json:"allocs_per_step"`
	BytesPerStep  float64  `json:"bytes_per_step"`
	PeakRSSMiB    float64  `json:"peak_rss_mib"`
	PeerImagesPS  *float64 `json:"peer_images_per_s,omitempty"`
	Ratio         *float64 `json:"ratio,omitempty"`
	// GFLOPPerStep is the matrix products' and convolutions' arithmetic of
	// one step, counted from the model's graphs; GFLOPS divides it by the
	// median step time, PercentOfPeak by the peak measured at start too,
	// and PeerGFLOPS is the same count at the peer's median speed.
	GFLOPPerStep  float64   `json:"gflop_per_step,omitempty"`
	GFLOPS        float64   `json:"gflops,omitempty"`
	PercentOfPeak *float64  `json:"percent_of_peak,omitempty"`
	PeerGFLOPS    *float64  `json:"peer_gflops,omitempty"`
	RunsMs        []float64 `json:"runs_ms_per_step"`
	PeerRuns      []float64 `json:"peer_runs_images_per_s,omitempty"`
}

type report struct {
	Rows       []row  `json:"rows"`
	Steps      int    `json:"steps"`
	Repeats    int    `json:"repeats"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	LoadBefore string `json:"load_before"`
	LoadAfter  string `json:"load_after"`
	// PeakGFLOPS is the float32 rate of FMA loops on -threads threads
	// (package internal/peak), measured before the first model; 0 with
	// -peak-time 0.
	PeakGFLOPS float64 `json:"peak_gflops,omitempty"`
	PeakKernel string  `json:"peak_kernel,omitempty"`
	// PeerMatMulGFLOPS is the rate of one float32 matrix product in the
	// peer's torch on -threads threads, measured before the first model:
	// it tells a fast BLAS from the reference one.
	PeerMatMulGFLOPS float64  `json:"peer_matmul_gflops,omitempty"`
	Notes            []string `json:"notes,omitempty"`
}

func main() {
	os.Exit(cli.Exit(os.Stderr, "bench", run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)))
}

func parse(args []string, stdout io.Writer) (options, error) {
	var o options
	var names string
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&o.Steps, "steps", 200, "timed training steps per repeat")
	fs.IntVar(&o.Warmup, "warmup", 20, "untimed steps before the first repeat of each model")
	fs.IntVar(&o.Repeats, "repeats", 3, "timed runs per model (Go and PyTorch alternate); the table shows medians")
	fs.StringVar(&names, "models", modelIDs(), "comma-separated models to time")
	fs.StringVar(&o.Peer, "peer", "auto", "PyTorch peer: auto (when python3 imports torch), on (fail without it), off")
	fs.StringVar(&o.Python, "python", "/usr/bin/python3", "Python interpreter for the peer")
	fs.IntVar(&o.Threads, "threads", runtime.NumCPU(), "cores for each side: GOMAXPROCS for Go, torch and OpenBLAS threads for the peer")
	fs.StringVar(&o.Data, "data", "", "MNIST folder (default: $GORGOZOO_DATA or the GoMNIST module)")
	fs.BoolVar(&o.JSON, "json", false, "print the results as JSON instead of a table")
	fs.DurationVar(&o.PeakTime, "peak-time", 500*time.Millisecond, "how long FMA loops measure the CPU's float32 peak for the % of peak column (0: skip)")
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cli.PrintUsage(stdout, fs, summary)
		}
		return o, err
	}
	var c cli.Checks
	c.Positive("steps", int64(o.Steps))
	c.NonNegative("warmup", int64(o.Warmup))
	c.Positive("repeats", int64(o.Repeats))
	c.Positive("threads", int64(o.Threads))
	c.NonNegative("peak-time", int64(o.PeakTime))
	if err := c.Err(); err != nil {
		return o, err
	}
	switch o.Peer {
	case "auto", "on", "off":
	default:
		return o, cli.Usagef("-peer must be auto, on or off, not %q", o.Peer)
	}
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimSpace(n)
		if !slices.ContainsFunc(models, func(m model) bool { return m.id == n }) {
			return o, cli.Usagef("-models: unknown model %q (have %s)", n, modelIDs())
		}
		if !slices.Contains(o.Models, n) {
			o.Models = append(o.Models, n)
		}
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stdout)
	if err != nil {
		return err
	}
	// Before any graph runs: the worker pool takes its size from
	// GOMAXPROCS when it starts.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(o.Threads))
	rep := report{Steps: o.Steps, Repeats: o.Repeats, GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version()}
	rep.LoadBefore = loadAverage()
	if o.PeakTime > 0 {
		pk := peak.Measure(o.Threads, o.PeakTime)
		rep.PeakGFLOPS, rep.PeakKernel = pk.FLOPS/1e9, pk.Kernel
		fmt.Fprintf(stderr, "bench: float32 peak %.0f GFLOP/s (%s FMA loop on %d threads)\n", rep.PeakGFLOPS, pk.Kernel, pk.Threads)
	}

	peer, notes, err := findPeer(ctx, o)
	if err != nil {
		return err
	}
	rep.Notes = append(rep.Notes, notes...)
	if peer != nil {
		defer peer.close()
		if rep.PeerMatMulGFLOPS, err = peer.matMulGFLOPS(ctx); err != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("PyTorch's BLAS unchecked: %v", err))
		} else {
			fmt.Fprintf(stderr, "bench: PyTorch's float32 matrix product: %.0f GFLOP/s\n", rep.PeerMatMulGFLOPS)
			if note := slowBLAS(rep.PeerMatMulGFLOPS, rep.PeakGFLOPS); note != "" {
				rep.Notes = append(rep.Notes, note)
			}
		}
	}
	set, err := datasets.MNIST(datasets.Train, o.Data)
	if err != nil {
		return err
	}
	if peer != nil {
		// The peer must read the same files as we do.
		dir, _ := datasets.MNISTDir(o.Data)
		peer.env = peerEnv(os.Environ(), dir)
		rep.Notes = append(rep.Notes, "the PyTorch peer runs with glibc's malloc keeping freed memory ("+strings.Join(peerMallocEnv, " ")+"), its fastest setting here: see docs/speed.md")
	}
	resetPeak := resetPeakRSS()
	if !resetPeak {
		rep.Notes = append(rep.Notes, "peak RSS could not be reset between models: each figure includes the models timed before it")
	}
	for _, m := range models {
		if !slices.Contains(o.Models, m.id) {
			continue
		}
		fmt.Fprintf(stderr, "bench: %s (batch %d): %d warm-up + %d×%d steps\n", m.name, m.batch, m.steps(o.Warmup), o.Repeats, m.steps(o.Steps))
		r, peerErr, err := measure(ctx, m, set, o, peer, rep.PeakGFLOPS*1e9, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		if peerErr != nil {
			if o.Peer == "on" {
				return fmt.Errorf("%s: PyTorch peer: %w", m.name, peerErr)
			}
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: PyTorch peer failed (%v); shown as n/a", m.name, peerErr))
		}
		rep.Rows = append(rep.Rows, r)
		// Return this model's graphs to the OS before the next model's
		// peak is measured.
		debug.FreeOSMemory()
		resetPeakRSS()
	}
	rep.LoadAfter = loadAverage()
	if o.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printTable(stdout, rep)
	return nil
}

// measure warms m up, then alternates o.Repeats timed Go runs with PyTorch
// runs. A failing peer run is returned separately from a Go error, so that
// -peer auto can still print the Go figures.
func measure(ctx context.Context, m model, set *datasets.Set, o options, peer *peerRunner, peakFLOPS float64, stderr io.Writer) (row, error, error) {
	r := row{Model: m.name, Batch: m.batch, Steps: m.steps(o.Steps)}
	loader, err := datasets.NewLoader(set, m.batch, 1, m.scale)
	if err != nil {
		return r, nil, err
	}
	st, err := m.build(1)
	if err != nil {
		return r, nil, err
	}
	images := make([]float32, m.batch*set.H*set.W)
	next := 0 // batches seen, across epochs, as the trainer walks them
	runSteps := func(n int) error {
		for range n {
			per := loader.BatchesPerEpoch()
			if err := loader.Fill(next/per, next%per, images, nil); err != nil {
				return err
			}
			if err := st.run(images); err != nil {
				return err
			}
			next++
		}
		return nil
	}
	if err := runSteps(m.steps(o.Warmup)); err != nil {
		return r, nil, err
	}
	var allocs, byteCounts []float64
	var peerErr error
	for rep := range o.Repeats {
		// Collect the previous run's garbage (and the peer's wait) first,
		// so that this run pays only for its own.
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		t0 := time.Now()
		if err := runSteps(r.Steps); err != nil {
			return r, nil, err
		}
		el := time.Since(t0)
		runtime.ReadMemStats(&m1)
		ms := el.Seconds() * 1000 / float64(r.Steps)
		r.RunsMs = append(r.RunsMs, ms)
		allocs = append(allocs, float64(m1.Mallocs-m0.Mallocs)/float64(r.Steps))
		byteCounts = append(byteCounts, float64(m1.TotalAlloc-m0.TotalAlloc)/float64(r.Steps))
		fmt.Fprintf(stderr, "bench:   go run %d: %.2f ms/step (%.0f images/s)\n", rep+1, ms, float64(m.batch)*1000/ms)
		if peer.has(m) && peerErr == nil {
			ips, err := peer.run(ctx, m, r.Steps)
			if err != nil {
				peerErr = err
				continue
			}
			r.PeerRuns = append(r.PeerRuns, ips)
			fmt.Fprintf(stderr, "bench:   PyTorch run %d: %.0f images/s\n", rep+1, ips)
		}
	}
	r.MsPerStep = median(r.RunsMs)
	r.ImagesPerS = float64(m.batch) * 1000 / r.MsPerStep
	r.AllocsPerStep = median(allocs)
	r.BytesPerStep = median(byteCounts)
	r.PeakRSSMiB = peakRSSMiB()
	if len(r.PeerRuns) > 0 && peerErr == nil {
		p := median(r.PeerRuns)
		ratio := r.ImagesPerS / p
		r.PeerImagesPS, r.Ratio = &p, &ratio
	}
	r.setFLOPs(st.flops, peakFLOPS)
	return r, peerErr, nil
}

// setFLOPs fills r's arithmetic columns from the FLOPs of one step and the
// machine's measured peak in FLOP/s (0: not measured). The peer's rate
// uses the same count: the work of our graphs, done in its time.
func (r *row) setFLOPs(flops int64, peakFLOPS float64) {
	if flops <= 0 {
		return
	}
	r.GFLOPPerStep = float64(flops) / 1e9
	r.GFLOPS = r.GFLOPPerStep * 1000 / r.MsPerStep
	if peakFLOPS > 0 {
		pct := 100 * r.GFLOPS * 1e9 / peakFLOPS
		r.PercentOfPeak = &pct
	}
	if r.PeerImagesPS != nil {
		g := r.GFLOPPerStep * *r.PeerImagesPS / float64(r.Batch)
		r.PeerGFLOPS = &g
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// peerRunner runs the PyTorch peer scripts.
type peerRunner struct {
	python  string
	dir     string // temporary folder holding ownPeers
	threads int
	env     []string
}

// has reports whether m has a PyTorch peer.
func (p *peerRunner) has(m model) bool {
	return p != nil && m.peerArgs != nil
}

// close removes the folder of the embedded scripts.
func (p *peerRunner) close() {
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}

// findPeer decides whether the PyTorch peer takes part. With -peer auto a
// missing interpreter or torch yields a note and no peer, never an error,
// so that CI machines without PyTorch pass.
func findPeer(ctx context.Context, o options) (*peerRunner, []string, error) {
	if o.Peer == "off" {
		return nil, []string{"PyTorch peer off (-peer off)"}, nil
	}
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(cctx, o.Python, "-c", "import torch").CombinedOutput(); err != nil {
		msg := strings.TrimSpace(string(out))
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg == "" {
			msg = err.Error()
		}
		why := fmt.Sprintf("%s cannot import torch (%s); install with apt-get install -y python3-torch python3-numpy", o.Python, msg)
		if o.Peer == "on" {
			return nil, nil, fmt.Errorf("-peer on: %s", why)
		}
		return nil, []string{"PyTorch peer n/a: " + why}, nil
	}
	dir, err := writeOwnPeers()
	if err != nil {
		return nil, nil, err
	}
	return &peerRunner{python: o.Python, dir: dir, threads: o.Threads}, nil, nil
}

// matMulProbe times torch's product of two 512×512 float32 matrices and
// prints its rate in GFLOP/s.
const matMulProbe = `
import sys, time, torch
torch.set_num_threads(int(sys.argv[1]))
a, b = torch.randn(512, 512), torch.randn(512, 512)
for _ in range(5):
    a @ b
n, t = 0, time.perf_counter()
while n < 20 or time.perf_counter() - t < 0.3:
    a @ b
    n += 1
print(2 * 512**3 * n / (time.perf_counter() - t) / 1e9)
`

// matMulGFLOPS measures the peer's float32 matrix product.
func (p *peerRunner) matMulGFLOPS(ctx context.Context) (float64, error) {
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out, err := exec.CommandContext(cctx, p.python, "-c", matMulProbe, strconv.Itoa(p.threads)).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("timing a matrix product: %v: %s", err, strings.TrimSpace(string(out)))
	}
	g, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		return 0, fmt.Errorf("timing a matrix product: unexpected output %q", out)
	}
	return g, nil
}

// slowBLAS returns a note when torch's matrix product runs at less than a
// twentieth of the machine's FMA peak (less than 20 GFLOP/s when the peak
// was not measured): Debian's python3-torch then runs on the reference
// BLAS, ten times slower than OpenBLAS, and the ratios would flatter us.
func slowBLAS(gflops, peakGFLOPS float64) string {
	floor := 20.0
	if peakGFLOPS > 0 {
		floor = peakGFLOPS / 20
	}
	if gflops >= floor {
		return ""
	}
	return fmt.Sprintf("PyTorch's matrix product runs at %.1f GFLOP/s, below %.0f: torch is probably on the reference BLAS, so the ratios flatter us (Debian: apt-get install -y libopenblas0)", gflops, floor)
}

// writeOwnPeers writes the embedded peer scripts to a new temporary folder.
func writeOwnPeers() (string, error) {
	dir, err := os.MkdirTemp("", "gorgozoo-bench-peer-")
	if err != nil {
		return "", err
	}
	files, err := ownPeers.ReadDir("peer")
	if err == nil {
		for _, f := range files {
			var b []byte
			if b, err = ownPeers.ReadFile("peer/" + f.Name()); err != nil {
				break
			}
			if err = os.WriteFile(filepath.Join(dir, f.Name()), b, 0o644); err != nil {
				break
			}
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("writing the embedded peer scripts: %w", err)
	}
	return dir, nil
}

// peerMallocEnv keeps glibc's malloc from handing memory back to the
// system. PyTorch allocates every op's output afresh; above 128 KiB glibc
// maps it with mmap and unmaps it on free, so each step of the peer
// page-faults through megabytes of new memory. On a VM where page faults
// are slow that made the peer 2–4× slower (MLP GAN 3,000 against 12,000
// images/s on the 2-core Firecracker machine the tables in docs/speed.md come
// from), a handicap no PyTorch user would choose to keep.
var peerMallocEnv = []string{
	"MALLOC_MMAP_THRESHOLD_=1000000000",
	"MALLOC_TRIM_THRESHOLD_=1000000000",
	"MALLOC_TOP_PAD_=100000000",
}

// peerEnv returns environ with MNIST_DIR set to mnistDir (unless empty)
// and peerMallocEnv's settings wherever environ does not set them itself.
func peerEnv(environ []string, mnistDir string) []string {
	env := slices.Clone(environ)
	if mnistDir != "" {
		env = append(env, "MNIST_DIR="+mnistDir)
	}
	for _, kv := range peerMallocEnv {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(environ, func(e string) bool { return strings.HasPrefix(e, name+"=") }) {
			env = append(env, kv)
		}
	}
	return env
}

// run runs m's peer script for steps timed steps on p.threads threads
// (the cores the Go side has) and returns the images/s from its last line.
func (p *peerRunner) run(ctx context.Context, m model, steps int) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, peerTimeout)
	defer cancel()
	args := append(m.peerArgs(steps), "--threads", strconv.Itoa(p.threads))
	cmd := exec.CommandContext(ctx, p.python, args...)
	cmd.Dir = p.dir
	cmd.Env = p.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s: %w: %s", args[0], err, lastLine(errOut.String()))
	}
	return parseImagesPerS(out.String())
}

// parseImagesPerS reads images_per_s=X from the last non-empty line of a
// peer script's output, where both scripts print their speed.
func parseImagesPerS(out string) (float64, error) {
	line := lastLine(out)
	for _, f := range strings.Fields(line) {
		v, ok := strings.CutPrefix(f, "images_per_s=")
		if !ok {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || !(x > 0) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("bad images_per_s in %q", line)
		}
		return x, nil
	}
	return 0, fmt.Errorf("no images_per_s in the last line %q", line)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// loadAverage returns the 1, 5 and 15-minute load averages, or "n/a".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

// resetPeakRSS resets the kernel's high-water mark of this process's RSS
// (Linux ≥ 4.0), so each model's peak is its own. It reports success.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSSMiB returns VmHWM from /proc/self/status, else getrusage's
// max RSS (which cannot be reset), in MiB.
func peakRSSMiB() float64 {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				if err == nil {
					return kb / 1024
				}
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		return float64(ru.Maxrss) / 1024 // kB on Linux
	}
	return math.NaN()
}

// printTable writes the report as a Markdown table, ready for docs/speed.md.
func printTable(w io.Writer, rep report) {
	fmt.Fprintln(w, "| model | batch | images/s | ms/step | allocs/step | KiB/step | peak RSS MiB | PyTorch images/s | ours/PyTorch | GFLOP/step | GFLOP/s | % of peak | PyTorch GFLOP/s |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rep.Rows {
		peer, ratio := "n/a", "n/a"
		if r.PeerImagesPS != nil {
			peer = fmt.Sprintf("%.0f", *r.PeerImagesPS)
			ratio = fmt.Sprintf("%.2f×", *r.Ratio)
		}
		work, rate, pct, peerRate := "n/a", "n/a", "n/a", "n/a"
		if r.GFLOPPerStep > 0 {
			work, rate = fmt.Sprintf("%.3g", r.GFLOPPerStep), fmt.Sprintf("%.1f", r.GFLOPS)
		}
		if r.PercentOfPeak != nil {
			pct = fmt.Sprintf("%.1f%%", *r.PercentOfPeak)
		}
		if r.PeerGFLOPS != nil {
			peerRate = fmt.Sprintf("%.1f", *r.PeerGFLOPS)
		}
		fmt.Fprintf(w, "| %s | %d | %.0f | %.2f | %.0f | %.0f | %.0f | %s | %s | %s | %s | %s | %s |\n",
			r.Model, r.Batch, r.ImagesPerS, r.MsPerStep, r.AllocsPerStep, r.BytesPerStep/1024, r.PeakRSSMiB, peer, ratio,
			work, rate, pct, peerRate)
	}
	var fewer []string
	for _, r := range rep.Rows {
		if r.Steps != rep.Steps {
			fewer = append(fewer, fmt.Sprintf("%s %d", r.Model, r.Steps))
		}
	}
	steps := strconv.Itoa(rep.Steps) + " steps"
	if len(fewer) > 0 {
		steps += " (fewer for slow models: " + strings.Join(fewer, ", ") + ")"
	}
	fmt.Fprintf(w, "\nmedians of %d runs of %s; %s, GOMAXPROCS=%d; load average before %s, after %s\n",
		rep.Repeats, steps, rep.GoVersion, rep.GOMAXPROCS, rep.LoadBefore, rep.LoadAfter)
	if rep.PeakGFLOPS > 0 {
		fmt.Fprintf(w, "peak: %.0f GFLOP/s float32, the best rate of %s FMA loops on %d threads; GFLOP/step counts the matrix products and convolutions of our graphs (see docs/speed.md)\n",
			rep.PeakGFLOPS, rep.PeakKernel, rep.GOMAXPROCS)
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}
