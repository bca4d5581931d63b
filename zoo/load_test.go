package zoo_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/zoo"
	"github.com/gorgozoo/gorgozoo/zoo/classifier"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// TestLoadDrawsTheModelsOwnImages: whatever the kind, a model loaded by
// Load (from a run folder or a file) draws the images its own generator
// draws for the seed and class, in parts or not.
func TestLoadDrawsTheModelsOwnImages(t *testing.T) {
	type draw func(n, class int, seed uint64) ([]float32, error)
	for _, c := range []struct {
		name    string
		build   func(t *testing.T) (trainer.Model, draw, any)
		kind    string
		classes int
		// counts of images drawn; nil: 0, 7, 1000 and 2345, across the
		// parts Generate draws between looks at the context
		counts []int
	}{
		{"gan", func(t *testing.T) (trainer.Model, draw, any) {
			m, err := gan.New(gan.Config{GHidden: []int{32}, DHidden: []int{16}, Z: 8}, 3)
			require.NoError(t, err)
			s, err := gan.NewStep(m, gan.TrainConfig{Batch: 8}, 1)
			require.NoError(t, err)
			g := gan.NewGenerator(m)
			return s, func(n, _ int, seed uint64) ([]float32, error) { return g.Generate(n, seed) }, m.Config
		}, gan.Kind, 0, nil},
		{"conditional gan", func(t *testing.T) (trainer.Model, draw, any) {
			m, err := gan.New(gan.Config{GHidden: []int{32}, DHidden: []int{16}, Z: 8, Classes: 4}, 3)
			require.NoError(t, err)
			s, err := gan.NewStep(m, gan.TrainConfig{Batch: 8}, 1)
			require.NoError(t, err)
			g := gan.NewGenerator(m)
			return s, func(n, class int, seed uint64) ([]float32, error) {
				if class < 0 {
					return g.Generate(n, seed)
				}
				return g.GenerateClass(n, class, seed)
			}, m.Config
		}, gan.Kind, 4, nil},
		{"conditional mixture of gans", func(t *testing.T) (trainer.Model, draw, any) {
			m, err := gan.New(gan.Config{GHidden: []int{32}, DHidden: []int{16}, Z: 8, Classes: 4, Generators: 3}, 3)
			require.NoError(t, err)
			s, err := gan.NewStep(m, gan.TrainConfig{Batch: 8}, 1)
			require.NoError(t, err)
			g := gan.NewGenerator(m)
			return s, func(n, class int, seed uint64) ([]float32, error) {
				if class < 0 {
					return g.Generate(n, seed)
				}
				return g.GenerateClass(n, class, seed)
			}, m.Config
		}, gan.Kind, 4, nil},
		{"vae", func(t *testing.T) (trainer.Model, draw, any) {
			m, err := vae.New(vae.Config{Hidden: []int{32}, Z: 4}, 3)
			require.NoError(t, err)
			s, err := vae.NewStep(m, vae.TrainConfig{Batch: 8}, 1)
			require.NoError(t, err)
			v := vae.NewInference(m)
			return s, func(n, _ int, seed uint64) ([]float32, error) { return v.Sample(n, seed) }, m.Config
		}, vae.Kind, 0, nil},
		{"conditional vae", func(t *testing.T) (trainer.Model, draw, any) {
			m, err := vae.New(vae.Config{Hidden: []int{32}, Z: 4, Classes: 3}, 3)
			require.NoError(t, err)
			s, err := vae.NewStep(m, vae.TrainConfig{Batch: 8}, 1)
			require.NoError(t, err)
			v := vae.NewInference(m)
			return s, func(n, class int, seed uint64) ([]float32, error) {
				if class < 0 {
					return v.Sample(n, seed)
				}
				return v.SampleClass(n, class, seed)
			}, m.Config
		}, vae.Kind, 3, nil},
		{"conditional diffusion", func(t *testing.T) (trainer.Model, draw, any) {
			m, err := diffusion.New(diffusion.Config{T: 2, UNet: diffusion.UNetConfig{Channels: []int{4, 4}, TimeDim: 8, Groups: 2, Classes: 3}}, 3)
			require.NoError(t, err)
			s, err := diffusion.NewStep(m, diffusion.TrainConfig{Batch: 8}, 1)
			require.NoError(t, err)
			d := diffusion.NewSampler(m)
			return s, func(n, class int, seed uint64) ([]float32, error) {
				return d.Sample(context.Background(), n, seed, class, diffusion.SampleConfig{})
			}, m.Config
		}, diffusion.Kind, 3, []int{0, 1, 52}}, // a diffusion model draws batch by batch, looking at the context at every step
	} {
		t.Run(c.name, func(t *testing.T) {
			s, own, cfg := c.build(t)
			dir, file := testutil.SaveRun(t, s, 0)
			for _, path := range []string{dir, file} {
				m, err := zoo.Load(path)
				require.NoError(t, err)
				require.Equal(t, c.kind, m.Kind())
				require.Equal(t, cfg, m.Config())
				require.Equal(t, c.classes, m.Classes())
				require.Equal(t, file, m.Checkpoint().Path)
				ch, h, w := m.Shape()
				require.Equal(t, []int{1, 28, 28}, []int{ch, h, w})
				classes := []int{-1}
				if c.classes > 0 {
					classes = append(classes, c.classes-1)
				}
				for _, class := range classes {
					counts := c.counts
					if counts == nil {
						counts = []int{0, 7, 1000, 2345}
					}
					for _, n := range counts {
						got, err := m.Generate(context.Background(), n, 11, class)
						require.NoError(t, err)
						want, err := own(n, class, 11)
						require.NoError(t, err)
						require.Len(t, got, n*28*28)
						require.Equal(t, want, got, "n %d class %d", n, class)
					}
				}
				_, err = m.Generate(context.Background(), 3, 1, c.classes)
				require.ErrorContains(t, err, "class")
				_, err = m.Generate(context.Background(), 3, 1, -2)
				require.ErrorContains(t, err, "class -2")
				_, err = m.Generate(context.Background(), -1, 1, -1)
				require.Error(t, err)

				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				_, err = m.Generate(ctx, 10, 1, -1)
				require.ErrorIs(t, err, context.Canceled)
			}
		})
	}
}

func TestLoadRefuses(t *testing.T) {
	clf, err := classifier.New(classifier.Config{}, 1)
	require.NoError(t, err)
	weights, err := classifier.Weights(clf, checkpoints.Meta{})
	require.NoError(t, err)
	clfPath := filepath.Join(t.TempDir(), "clf.safetensors")
	require.NoError(t, checkpoints.Save(clfPath, weights))

	bare := filepath.Join(t.TempDir(), "bare.safetensors")
	require.NoError(t, checkpoints.Save(bare, &checkpoints.Checkpoint{Tensors: []checkpoints.Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}}}))

	junk := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(junk, []byte(`{"arch": "mlp"}`), 0o644))

	for _, c := range []struct {
		path, want string
	}{
		{clfPath, `cannot draw images from a "classifier" checkpoint (kinds that can: gan, vae, diffusion)`},
		{bare, "not a gorgozoo model checkpoint"},
		{junk, "config.json"},
		{t.TempDir(), "no checkpoint"},
		{"/no/such/file", "/no/such/file"},
	} {
		_, err := zoo.Load(c.path)
		require.ErrorContains(t, err, c.want, c.path)
	}
}

// TestPackageLoadersTakeRunFolders: each package's own loader takes a run
// folder, as every command does.
func TestPackageLoadersTakeRunFolders(t *testing.T) {
	g, err := gan.New(gan.Config{GHidden: []int{8}, DHidden: []int{8}, Z: 2}, 1)
	require.NoError(t, err)
	gs, err := gan.NewStep(g, gan.TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	dir, _ := testutil.SaveRun(t, gs, 0)
	_, err = gan.LoadGenerator(dir)
	require.NoError(t, err)

	v, err := vae.New(vae.Config{Hidden: []int{8}, Z: 2}, 1)
	require.NoError(t, err)
	vs, err := vae.NewStep(v, vae.TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	dir, _ = testutil.SaveRun(t, vs, 0)
	_, err = vae.Load(filepath.Join(dir, "checkpoints"))
	require.NoError(t, err)

	d, err := diffusion.New(diffusion.Config{T: 2, UNet: diffusion.UNetConfig{Channels: []int{4, 4}, TimeDim: 8, Groups: 2}}, 1)
	require.NoError(t, err)
	ds, err := diffusion.NewStep(d, diffusion.TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	dir, _ = testutil.SaveRun(t, ds, 0)
	_, err = diffusion.Load(dir)
	require.NoError(t, err)

	c, err := classifier.New(classifier.Config{}, 1)
	require.NoError(t, err)
	cs, err := classifier.NewStep(c, classifier.TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	dir, _ = testutil.SaveRun(t, cs, 0)
	_, err = classifier.Load(dir)
	require.NoError(t, err)
}

// TestDiffusionSampling: a loaded diffusion model draws with DDIM's
// defaults, and WithSampling changes the sampler of a copy only.
func TestDiffusionSampling(t *testing.T) {
	m, err := diffusion.New(diffusion.Config{T: 10, UNet: diffusion.UNetConfig{Channels: []int{4, 4}, TimeDim: 8, Groups: 2}}, 1)
	require.NoError(t, err)
	s, err := diffusion.NewStep(m, diffusion.TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	dir, _ := testutil.SaveRun(t, s, 0)
	loaded, err := zoo.Load(dir)
	require.NoError(t, err)
	d, ok := loaded.(*zoo.Diffusion)
	require.True(t, ok)
	require.Equal(t, diffusion.SampleConfig{}, d.Sampling())
	ctx := context.Background()
	sampler := diffusion.NewSampler(m)
	sc := diffusion.SampleConfig{Method: diffusion.DDPM}
	ddpm, err := d.WithSampling(sc)
	require.NoError(t, err)
	require.Equal(t, sc, ddpm.Sampling())
	require.Equal(t, diffusion.SampleConfig{}, d.Sampling(), "the original keeps its settings")
	for _, c := range []struct {
		m  zoo.Model
		sc diffusion.SampleConfig
	}{{d, diffusion.SampleConfig{}}, {ddpm, sc}} {
		got, err := c.m.Generate(ctx, 3, 5, -1)
		require.NoError(t, err)
		want, err := sampler.Sample(ctx, 3, 5, -1, c.sc)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err = d.WithSampling(diffusion.SampleConfig{Steps: 11})
	require.ErrorContains(t, err, "sampling steps must be from 1 to T = 10")
}
