package gan

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// TestExactResume stops a run at step 9, resumes it from the checkpoint
// into a model built with other seeds, and requires the losses of steps
// 10–20 and every final parameter, optimiser moment and averaged weight
// to be bit-equal to an uninterrupted run's.
func TestExactResume(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		tc   TrainConfig
	}{
		{"mlp", Config{DDropout: 0.3, DPack: 2, EMA: 0.99}, TrainConfig{Batch: 8}},
		// spectral norm's u and v must come back too, or σ differs after resuming
		{"sagan", Config{Arch: "sagan", GChannels: []int{8, 8}, DChannels: []int{8, 8}, DDropout: 0.1, DPack: 2, EMA: 0.99}, TrainConfig{Batch: 8, LRD: 4e-4, LRG: 1e-4, Beta1: -1, Beta2: 0.9}},
		{"conditional mlp", Config{Classes: 10, DDropout: 0.3, DPack: 2, EMA: 0.99}, TrainConfig{Batch: 8}},
		{"conditional mlp, class norms in G", Config{Classes: 10, Cond: CondProjection, GCond: GCondNorm, DDropout: 0.3, DPack: 2, EMA: 0.99}, TrainConfig{Batch: 8}},
		{"conditional dcgan", Config{Arch: "dcgan", Classes: 10, GChannels: []int{8, 8}, DChannels: []int{8, 8}, EMA: 0.99}, TrainConfig{Batch: 8}},
		// the class embedding's spectral norm must come back too
		{"conditional sagan", Config{Arch: "sagan", Classes: 10, GChannels: []int{8, 8}, DChannels: []int{8, 8}, DPack: 2, EMA: 0.99}, TrainConfig{Batch: 8, LRD: 4e-4, LRG: 1e-4, Beta1: -1, Beta2: 0.9}},
		// mixtures of generators, alone and with two discriminators or classes
		{"mixture mlp", Config{Generators: 3, DDropout: 0.3, DPack: 2, EMA: 0.99}, TrainConfig{Batch: 8}},
		{"mixture mlp, 2 discriminators", Config{Generators: 2, Discriminators: 2, GMANLambda: 1, EMA: 0.99}, TrainConfig{Batch: 8}},
		{"mixture conditional dcgan", Config{Arch: "dcgan", Generators: 2, Classes: 10, GChannels: []int{8, 8}, DChannels: []int{8, 8}, EMA: 0.99}, TrainConfig{Batch: 8}},
		{"mixture sagan", Config{Arch: "sagan", Generators: 2, GChannels: []int{8, 8}, DChannels: []int{8, 8}, EMA: 0.99}, TrainConfig{Batch: 8, LRD: 4e-4, LRG: 1e-4, Beta1: -1, Beta2: 0.9}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { testExactResume(t, c.cfg, c.tc) })
	}
}

func testExactResume(t *testing.T, cfg Config, tc TrainConfig) {
	loader, err := datasets.NewLoader(datasets.Synthetic(64, 1), 8, 3, datasets.ScaleSigned)
	require.NoError(t, err)
	type run struct {
		step   *Step
		losses [][]trainer.Metric
	}
	newRun := func(seed uint64) *run {
		m, err := New(cfg, seed)
		require.NoError(t, err)
		s, err := NewStep(m, tc, seed)
		require.NoError(t, err)
		return &run{step: s}
	}
	train := func(r *run, start, steps int64, out string) {
		hook := func(ev trainer.Event) error {
			r.losses = append(r.losses, ev.Metrics)
			return nil
		}
		_, err := trainer.Run(context.Background(), r.step, loader, trainer.Config{Start: start, Steps: steps, Out: out, Seed: 7, Hooks: []trainer.Hook{hook}})
		require.NoError(t, err)
	}

	full := newRun(7)
	train(full, 0, 20, "")

	dir := filepath.Join(t.TempDir(), "run")
	first := newRun(7)
	train(first, 0, 9, dir)
	latest, err := checkpoints.Dir{Path: filepath.Join(dir, "checkpoints")}.Latest()
	require.NoError(t, err)
	c, err := checkpoints.Load(latest)
	require.NoError(t, err)

	resumed := newRun(12345) // different initial weights and noise: all must come from the checkpoint
	start, err := trainer.Resume(c, resumed.step)
	require.NoError(t, err)
	require.EqualValues(t, 9, start)
	train(resumed, start, 20, dir)

	require.Equal(t, full.losses[9:], resumed.losses, "losses of steps 10-20")
	for i, p := range full.step.Params() {
		q := resumed.step.Params()[i]
		for j, v := range p.Float32s() {
			if math.Float32bits(v) != math.Float32bits(q.Float32s()[j]) {
				require.Failf(t, "parameters differ", "%s[%d]: uninterrupted %v, resumed %v", p.Name, j, v, q.Float32s()[j])
			}
		}
	}
	require.Equal(t, full.step.OptD.M, resumed.step.OptD.M)
	require.Equal(t, full.step.OptG.V, resumed.step.OptG.V)
	require.Equal(t, full.step.EMA.Updates, resumed.step.EMA.Updates)
}
