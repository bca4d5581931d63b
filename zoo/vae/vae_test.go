package vae

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// tiny is a model small enough for finite differences: 6 pixels, 3 latents.
var tiny = Config{Z: 3, Hidden: []int{5}, Height: 2, Width: 3}

// fillUnit fills a float64 input with values in [0, 1], or with 0/1 when binary.
func fillUnit(n *G.Node, seed uint64, binary bool) {
	rng := rand.New(rand.NewPCG(seed, seed))
	d := graphs.Value(n).Data().([]float64)
	for i := range d {
		d[i] = rng.Float64()
		if binary {
			d[i] = math.Round(d[i])
		}
	}
}

// TestObjectiveGradients checks d(negative ELBO)/d(every parameter) against
// central finite differences in float64, with ε fixed.
func TestObjectiveGradients(t *testing.T) {
	cases := []struct {
		name   string
		cfg    Config
		beta   float64
		binary bool
	}{
		{"default shape", tiny, 1, false},
		{"beta 4", tiny, 4, false},
		{"binary pixels", tiny, 1, true},
		{"two hidden layers", Config{Z: 2, Hidden: []int{5, 4}, Height: 2, Width: 2}, 0.5, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := New(c.cfg, 3)
			require.NoError(t, err)
			p64 := m.Params().ToFloat64()
			m64, err := m.Rebind(p64)
			require.NoError(t, err)
			require.NoError(t, testutil.GradCheck(p64, func(b *graphs.Builder) *G.Node {
				x := b.Input("x", 4, m.Config.Pixels())
				eps := b.Input("eps", 4, m.Config.Z)
				fillUnit(x, 1, c.binary)
				testutil.FillNormal(t, eps, rand.New(rand.NewPCG(2, 3)), 1)
				return Objective(b, m64, x, nil, eps, c.beta).Loss
			}, 0, 1e-5))
		})
	}
}

// TestKLClosedForm pins the KL term to hand-computed values of
// ½ Σ (μ² + σ² − log σ² − 1).
func TestKLClosedForm(t *testing.T) {
	cases := []struct {
		name       string
		mu, logvar []float64
		want       float64
	}{
		{"prior itself", []float64{0, 0}, []float64{0, 0}, 0},
		// ½[(1 + ¼ − ln ¼ − 1) + (4 + 4 − ln 4 − 1)]: the logs cancel, ½(¼ + 7).
		{"σ = ½ and 2", []float64{1, -2}, []float64{math.Log(0.25), math.Log(4)}, 3.625},
		// ½[(¼ + 1 − 0 − 1) + (0 + e⁻² + 2 − 1)] = ½(1.25 + e⁻²).
		{"shifted, narrow", []float64{0.5, 0}, []float64{0, -2}, 0.5 * (1.25 + math.Exp(-2))},
		// Only the mean moves: ½ μ².
		{"mean 3", []float64{3, 0}, []float64{0, 0}, 4.5},
	}
	b := graphs.NewBuilder()
	b.Dtype = tensor.Float64
	mu, logvar := b.Input("mu", len(cases), 2), b.Input("logvar", len(cases), 2)
	for i, c := range cases {
		copy(graphs.Value(mu).Data().([]float64)[2*i:], c.mu)
		copy(graphs.Value(logvar).Data().([]float64)[2*i:], c.logvar)
	}
	kl := KL(b, mu, logvar)
	require.NoError(t, b.Err())
	vm := G.NewTapeMachine(b.G)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	got := graphs.Value(kl).Data().([]float64)
	for i, c := range cases {
		require.InDelta(t, c.want, got[i], 1e-12, c.name)
	}
}

// reference computes the negative ELBO terms of m on one image in float64,
// straight from the formulas, as an independent check of the graph.
func reference(m *Model, x, eps []float64, beta float64) (bce, kl, loss float64) {
	lin := func(l *graphs.Linear, in []float64, relu bool) []float64 {
		w, bias := l.Weight.Float32s(), l.Bias.Float32s()
		out := make([]float64, len(bias))
		for o := range out {
			s := float64(bias[o])
			for i, v := range in {
				s += float64(w[o*len(in)+i]) * v
			}
			if relu {
				s = math.Max(s, 0)
			}
			out[o] = s
		}
		return out
	}
	enc, dec := m.Enc.(*MLPEncoder), m.Dec.(*MLPDecoder)
	h := x
	for _, l := range enc.Layers {
		h = lin(l, h, true)
	}
	mu, lv := lin(enc.Mu, h, false), lin(enc.LogVar, h, false)
	z := make([]float64, len(mu))
	for i := range z {
		z[i] = mu[i] + math.Exp(lv[i]/2)*eps[i]
		kl += 0.5 * (mu[i]*mu[i] + math.Exp(lv[i]) - lv[i] - 1)
	}
	h = z
	for i, l := range dec.Layers {
		h = lin(l, h, i+1 < len(dec.Layers))
	}
	for i, logit := range h {
		p := 1 / (1 + math.Exp(-logit))
		bce -= x[i]*math.Log(p) + (1-x[i])*math.Log(1-p)
	}
	return bce, kl, bce + beta*kl
}

func TestObjectiveMatchesReference(t *testing.T) {
	m, err := New(tiny, 8)
	require.NoError(t, err)
	const n, beta = 3, 2.5
	b := graphs.NewBuilder()
	x, eps := b.Input("x", n, 6), b.Input("eps", n, 3)
	rng := rand.New(rand.NewPCG(4, 4))
	xd, ed := graphs.Value(x).Data().([]float32), graphs.Value(eps).Data().([]float32)
	for i := range xd {
		xd[i] = rng.Float32()
	}
	graphs.FillNormal(ed, rng)
	terms := Objective(b, m, x, nil, eps, beta)
	bceV, klV, lossV := b.Keep(terms.BCE), b.Keep(terms.KL), b.Keep(terms.Loss)
	require.NoError(t, b.Err())
	vm := G.NewTapeMachine(b.G)
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	var meanLoss float64
	for i := range n {
		xi, ei := make([]float64, 6), make([]float64, 3)
		for j := range xi {
			xi[j] = float64(xd[i*6+j])
		}
		for j := range ei {
			ei[j] = float64(ed[i*3+j])
		}
		bce, kl, loss := reference(m, xi, ei, beta)
		require.InDelta(t, bce, bceV.Float32s()[i], 1e-4, "BCE of image %d", i)
		require.InDelta(t, kl, klV.Float32s()[i], 1e-5, "KL of image %d", i)
		meanLoss += loss / n
	}
	require.InDelta(t, meanLoss, lossV.Scalar(), 1e-4)
}

func synthBatch(t *testing.T, batch int) []float32 {
	t.Helper()
	l, err := datasets.NewLoader(datasets.Synthetic(256, 1), batch, 1, datasets.ScaleUnit)
	require.NoError(t, err)
	images := make([]float32, batch*28*28)
	require.NoError(t, l.Fill(0, 0, images, nil))
	return images
}

// TestReparameterisationDeterminism: the same seeds give bit-identical
// runs; a different noise seed gives a different run from the same
// initial parameters; and restoring Noise replays the very same ε.
func TestReparameterisationDeterminism(t *testing.T) {
	images := synthBatch(t, 16)
	for _, binarize := range []bool{false, true} {
		cfg := Config{Hidden: []int{32}, Z: 4, Binarize: binarize}
		run := func(modelSeed, noiseSeed uint64) ([]Losses, *Step) {
			m, err := New(cfg, modelSeed)
			require.NoError(t, err)
			s, err := NewStep(m, TrainConfig{Batch: 16}, noiseSeed)
			require.NoError(t, err)
			var ls []Losses
			for range 3 {
				l, err := s.Run(images, nil)
				require.NoError(t, err)
				ls = append(ls, l)
			}
			return ls, s
		}
		a, sa := run(1, 7)
		b, sb := run(1, 7)
		require.Equal(t, a, b, "binarize=%v: same seeds, same losses", binarize)
		for i, p := range sa.Params() {
			require.Equal(t, p.Float32s(), sb.Params()[i].Float32s(), "binarize=%v: %s", binarize, p.Name)
		}
		c, _ := run(1, 8)
		require.NotEqual(t, a[0].BCE, c[0].BCE, "binarize=%v: another noise seed, another ε", binarize)
		if !binarize {
			require.Equal(t, a[0].KL, c[0].KL, "the KL of the first step does not depend on ε")
		}

		// Replay: with the learning rate at zero and Noise restored, a step
		// sees the same ε and reports the same loss.
		sa.Opt.LR = 0
		saved := *sa.Noise
		first, err := sa.Run(images, nil)
		require.NoError(t, err)
		*sa.Noise = saved
		again, err := sa.Run(images, nil)
		require.NoError(t, err)
		require.Equal(t, first, again, "binarize=%v", binarize)
	}
}

// TestStepLearns: a few Adam steps on one batch lower the loss, and both
// terms are reported consistently with it.
func TestStepLearns(t *testing.T) {
	images := synthBatch(t, 32)
	m, err := New(Config{Hidden: []int{64}, Z: 8, Beta: 2}, 2)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 32}, 2)
	require.NoError(t, err)
	first, err := s.Run(images, nil)
	require.NoError(t, err)
	var last Losses
	for range 15 {
		last, err = s.Run(images, nil)
		require.NoError(t, err)
	}
	require.Less(t, last.Loss, first.Loss-20, "loss %v → %v", first.Loss, last.Loss)
	require.InDelta(t, last.BCE+2*last.KL, last.Loss, 1e-3*last.Loss, "loss = BCE + β·KL")
	require.Greater(t, last.KL, 0.0)
	require.EqualValues(t, 16, s.Opt.Step)

	_, err = s.Run(images[:100], nil)
	require.ErrorContains(t, err, "32 images")
}

func TestConfigValidation(t *testing.T) {
	for _, c := range []Config{{Arch: "transformer"}, {Z: -1}, {Hidden: []int{400, 0}}, {Beta: math.NaN()}, {Beta: math.Inf(1)}, {Height: -2}} {
		_, err := New(c, 1)
		require.Error(t, err, "%+v", c)
	}
	d := Config{}.WithDefaults()
	require.Equal(t, Config{Arch: "mlp", Z: 20, Hidden: []int{400}, Height: 28, Width: 28, Beta: 1}, d)
	m, err := New(Config{}, 1)
	require.NoError(t, err)
	names := testutil.Names(m.Params())
	require.Equal(t, []string{
		"enc.fc1.weight", "enc.fc1.bias", "enc.fc_mu.weight", "enc.fc_mu.bias", "enc.fc_logvar.weight", "enc.fc_logvar.bias",
		"dec.fc1.weight", "dec.fc1.bias", "dec.fc2.weight", "dec.fc2.bias",
	}, names)
	require.Equal(t, []int{400, 784}, m.Enc.(*MLPEncoder).Layers[0].Weight.Shape())
	require.Equal(t, []int{784, 400}, m.Dec.(*MLPDecoder).Layers[1].Weight.Shape())
	require.Equal(t, 784*400+400+2*(400*20+20)+20*400+400+400*784+784, m.Params().Count())
}

// TestCheckpointRoundTrip saves a trained step and rebuilds the model: the
// config, every parameter and the optimiser state come back bit-equal, and
// the rebuilt model encodes and decodes identically.
func TestCheckpointRoundTrip(t *testing.T) {
	cfg := Config{Z: 3, Hidden: []int{16}, Beta: 3, Binarize: true}
	m, err := New(cfg, 5)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 8}, 5)
	require.NoError(t, err)
	images := synthBatch(t, 8)
	for range 3 {
		_, err := s.Run(images, nil)
		require.NoError(t, err)
	}
	path := testutil.SaveFile(t, s, 3)
	loaded, err := checkpoints.Load(path)
	require.NoError(t, err)
	m2, err := FromCheckpoint(loaded)
	require.NoError(t, err)
	require.Equal(t, m.Config, m2.Config)
	for i, p := range m.Params() {
		q := m2.Params()[i]
		require.Equal(t, p.Name, q.Name)
		for j, v := range p.Float32s() {
			require.Equal(t, math.Float32bits(v), math.Float32bits(q.Float32s()[j]), "%s[%d]", p.Name, j)
		}
	}
	s2, err := NewStep(m2, TrainConfig{Batch: 8}, 5)
	require.NoError(t, err)
	require.NoError(t, trainer.RestoreOptimizers(loaded, s2.Optimizers()))
	require.Equal(t, s.Opt.M, s2.Opt.M)
	require.Equal(t, s.Opt.V, s2.Opt.V)
	require.Equal(t, s.Opt.Step, s2.Opt.Step)

	v1 := NewInference(m)
	v2, err := Load(path)
	require.NoError(t, err)
	r1, err := v1.Reconstruct(images, nil)
	require.NoError(t, err)
	r2, err := v2.Reconstruct(images, nil)
	require.NoError(t, err)
	require.Equal(t, r1, r2)

	other, err := New(Config{Z: 4, Hidden: []int{16}}, 1)
	require.NoError(t, err)
	require.ErrorContains(t, loaded.LoadParams(Kind, other.Params()), "enc.fc_mu.weight")
	loaded.Meta.Kind = "gan"
	_, err = FromCheckpoint(loaded)
	require.ErrorContains(t, err, "gan")
}

// TestInferenceConcurrent runs every Inference method from many goroutines
// (run with -race) and checks each result equals the sequential one.
func TestInferenceConcurrent(t *testing.T) {
	for _, cfg := range []Config{
		{Hidden: []int{64}, Z: 5},
		// the convolution and attention ops keep buffers and split work over goroutines
		{Arch: ArchConvAttn, Channels: []int{8, 8}, Hidden: []int{16}, Z: 5},
	} {
		t.Run(cfg.WithDefaults().Arch, func(t *testing.T) { testInferenceConcurrent(t, cfg) })
	}
}

func testInferenceConcurrent(t *testing.T, cfg Config) {
	m, err := New(cfg, 2)
	require.NoError(t, err)
	v := NewInference(m)
	images := synthBatch(t, 128)[:130*28*28/2] // 65 images: one partial graph batch
	type result struct{ mu, logvar, dec, rec, samples []float32 }
	compute := func(i int) (result, error) {
		var r result
		var err error
		if r.mu, r.logvar, err = v.Encode(images, nil); err != nil {
			return r, err
		}
		if r.dec, err = v.Decode(r.mu, nil); err != nil {
			return r, err
		}
		if r.rec, err = v.Reconstruct(images, nil); err != nil {
			return r, err
		}
		r.samples, err = v.Sample(130, uint64(i))
		return r, err
	}
	const workers = 8
	want := make([]result, workers)
	for i := range want {
		want[i], err = compute(i)
		require.NoError(t, err)
	}
	got := make([]result, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = compute(i)
		}()
	}
	wg.Wait()
	for i := range workers {
		require.NoError(t, errs[i])
		require.Equal(t, want[i], got[i], "goroutine %d", i)
	}
	r := want[0]
	require.Len(t, r.mu, 65*5)
	require.Len(t, r.logvar, 65*5)
	require.Len(t, r.rec, 65*784)
	require.Len(t, r.samples, 130*784)
	require.Equal(t, r.dec, r.rec, "Reconstruct decodes the posterior mean")
	require.NotEqual(t, want[0].samples, want[1].samples, "different seeds, different samples")
	for _, p := range append(r.rec, r.samples...) {
		require.True(t, p >= 0 && p <= 1, "pixel %v outside [0, 1]", p)
	}

	_, _, err = v.Encode(make([]float32, 783), nil)
	require.ErrorContains(t, err, "784")
	_, err = v.Decode(make([]float32, 7), nil)
	require.ErrorContains(t, err, "latent vectors of 5")
	_, err = v.Sample(-1, 1)
	require.Error(t, err)
	_, err = v.Manifold(20)
	require.ErrorContains(t, err, "2-D")
}

// TestPreviewsAndManifold: the reconstructions grid alternates images and
// their reconstructions, and a 2-D model adds a 20×20 manifold whose
// middle decodes near the prior's centre.
func TestPreviewsAndManifold(t *testing.T) {
	m, err := New(Config{Hidden: []int{32}, Z: 2}, 3)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 40}, 3)
	require.NoError(t, err)
	images := synthBatch(t, 40)
	_, err = s.Run(images, nil)
	require.NoError(t, err)
	ps, err := s.Previews()
	require.NoError(t, err)
	require.Len(t, ps, 3)
	require.Equal(t, "reconstructions", ps[0].Name)
	require.Equal(t, 64, ps[0].N)
	rec, err := NewInference(m).Reconstruct(images[:32*784], nil)
	require.NoError(t, err)
	for i := range 32 {
		require.Equal(t, images[i*784:(i+1)*784], ps[0].Images[2*i*784:(2*i+1)*784], "pair %d: image", i)
		require.Equal(t, rec[i*784:(i+1)*784], ps[0].Images[(2*i+1)*784:(2*i+2)*784], "pair %d: reconstruction", i)
	}
	require.Equal(t, "samples", ps[1].Name)
	require.Equal(t, "manifold", ps[2].Name)
	require.Equal(t, 400, ps[2].N)
	require.Len(t, ps[2].Images, 400*784)

	// The grid's cells are symmetric about the origin: cell (r, c) and
	// (19−r, 19−c) decode z and −z. Check one pair against Decode.
	v := NewInference(m)
	q := math.Sqrt2 * math.Erfinv(2*(0.5)/20-1) // first quantile, Φ⁻¹(0.025)
	want, err := v.Decode([]float32{float32(q), float32(-q)}, nil)
	require.NoError(t, err)
	require.Equal(t, want, ps[2].Images[:784], "top-left cell is (Φ⁻¹(0.025), −Φ⁻¹(0.025))")

	require.NoError(t, s.SetPreviewImages(images[784:3*784], nil))
	ps, err = s.Previews()
	require.NoError(t, err)
	require.Equal(t, 4, ps[0].N)
	require.Equal(t, images[784:2*784], ps[0].Images[:784])
	require.Error(t, s.SetPreviewImages(images[:100], nil))
}

// TestStepRejectsPixelScale: a VAE takes pixels in [0, 1]; images in
// [-1, 1] trained without error and reported a negative loss.
func TestStepRejectsPixelScale(t *testing.T) {
	m, err := New(Config{Z: 2, Hidden: []int{8}, Height: 4, Width: 4}, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 2}, 1)
	require.NoError(t, err)
	images := make([]float32, 2*16)
	images[20] = -1
	_, err = s.Run(images, nil)
	require.ErrorContains(t, err, "pixel 4 of image 1 is -1, outside the model's scale [0, 1]")
	images[20] = 1
	_, err = s.Run(images, nil)
	require.NoError(t, err)
}
