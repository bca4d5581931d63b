package gan

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// smallCond is small with three classes.
var smallCond = func() Config { c := small; c.Classes = 3; return c }()

// condBatch adds fixed inputs of a conditional D loss for 4 images of
// pixels values and 3 classes: real images, noise of 3 values, and the real
// and the fake images' one-hot labels.
func condBatch(t *testing.T, b *graphs.Builder, pixels int) (real, z, yReal, yFake *G.Node) {
	real, z = b.Input("real", 4, pixels), b.Input("z", 4, 3)
	yReal, yFake = b.Input("yr", 4, 3), b.Input("yf", 4, 3)
	testutil.FillNormal(t, real, rand.New(rand.NewPCG(1, 1)), 1)
	testutil.FillNormal(t, z, rand.New(rand.NewPCG(2, 2)), 1)
	fillOneHot(yReal, []int{0, 2, 1, 2}, 3)
	fillOneHot(yFake, []int{1, 1, 0, 2}, 3)
	return real, z, yReal, yFake
}

// fillOneHot feeds fixed one-hot labels into a float64 input [n, classes].
func fillOneHot(n *G.Node, labels []int, classes int) {
	d := graphs.Value(n).Data().([]float64)
	clear(d)
	for i, y := range labels {
		d[i*classes+y] = 1
	}
}

func TestConditionalLossGradients(t *testing.T) {
	packed := smallCond
	packed.DPack = 2
	packed.DMinibatchStd = true
	for name, cfg := range map[string]Config{"plain": smallCond, "pack 2 + minibatch std": packed} {
		t.Run(name, func(t *testing.T) {
			m, err := New(cfg, 3)
			require.NoError(t, err)
			m64, gp, dp := float64Copy(t, m)
			d64 := m64.Disc.(*MLPDiscriminator)
			d64.Classes, d64.Cond, d64.Embed = cfg.Classes, m.Config.Cond, dp[len(dp)-1]
			fakeY := []int{1, 1, 0, 2}
			require.NoError(t, testutil.GradCheck(dp, func(b *graphs.Builder) *G.Node {
				real, z, yr, yf := condBatch(t, b, 6)
				return DiscriminatorLoss(b, m64.Discriminate(b, real, yr), m64.Discriminate(b, m64.Generate(b, m64.Gen, z, yf), yf))
			}, 0, 1e-5), "D loss wrt D")
			require.NoError(t, testutil.GradCheck(gp, func(b *graphs.Builder) *G.Node {
				z, y := b.Input("z", 4, 3), b.Input("y", 4, 3)
				testutil.FillNormal(t, z, rand.New(rand.NewPCG(2, 2)), 1)
				fillOneHot(y, fakeY, 3)
				return GeneratorLoss(b, m64.Discriminate(b, m64.Generate(b, m64.Gen, z, y), y))
			}, 0, 1e-5), "G loss wrt G")
		})
	}
}

func TestConditionalParams(t *testing.T) {
	cfg := Config{Classes: 10, DPack: 2, EMA: 0.9}
	m, err := New(cfg, 1)
	require.NoError(t, err)
	plain, err := New(Config{DPack: 2, EMA: 0.9}, 1)
	require.NoError(t, err)
	shapes := map[string][]int{}
	for _, p := range m.Params() {
		shapes[p.Name] = p.Value.Shape()
	}
	// The unconditional model's names; only the first layers widen.
	for _, p := range plain.Params() {
		want := []int(p.Value.Shape())
		switch p.Name {
		case "gen.fc1.weight", "gen_ema.fc1.weight":
			want = []int{256, 110}
		case "disc.fc1.weight":
			want = []int{256, (784 + 10) * 2}
		}
		require.Equal(t, want, []int(shapes[p.Name]), p.Name)
	}
	// The one new parameter: the projection's class embedding.
	require.Len(t, shapes, len(plain.Params())+1)
	require.Equal(t, []int{128, 10 * 2}, []int(shapes["disc.embed.weight"]))
	_, err = New(Config{Classes: -1}, 1)
	require.ErrorContains(t, err, "class count")
}

func TestConditionalStepNeedsLabels(t *testing.T) {
	m, err := New(smallCond, 1)
	require.NoError(t, err)
	s, err := NewStep(m, TrainConfig{Batch: 4}, 1)
	require.NoError(t, err)
	_, err = s.Run(make([]float32, 4*6), nil)
	require.ErrorContains(t, err, "needs 4 labels")
	_, err = s.Run(make([]float32, 4*6), []int{0, 1, 3, 2})
	require.ErrorContains(t, err, "label 3")
	l, err := s.Run(make([]float32, 4*6), []int{0, 1, 2, 2})
	require.NoError(t, err)
	require.False(t, math.IsNaN(l.D) || math.IsNaN(l.G))
	p, err := s.Previews()
	require.NoError(t, err)
	require.Len(t, p, 1)
	require.Equal(t, 3, p[0].Cols)
	require.Equal(t, 8*3, p[0].N)
	require.Len(t, p[0].Images, 8*3*6)
}

func TestGenerateClass(t *testing.T) {
	m, err := New(Config{Classes: 10}, 2)
	require.NoError(t, err)
	g := NewGenerator(m)
	// 150 images cross a batch boundary of the inference graph.
	seven, err := g.GenerateClass(150, 7, 5)
	require.NoError(t, err)
	again, err := g.GenerateClass(150, 7, 5)
	require.NoError(t, err)
	require.Equal(t, seven, again, "same class and seed, same images")
	three, err := g.GenerateClass(150, 3, 5)
	require.NoError(t, err)
	// The same noise drawn as another class: the labels must reach G.
	for i := range 150 {
		a, b := seven[i*784:(i+1)*784], three[i*784:(i+1)*784]
		require.NotEqual(t, a, b, "image %d ignores its class", i)
	}
	// FromNoise with per-image classes agrees with GenerateClass.
	z, err := g.noise(150, 5)
	require.NoError(t, err)
	labels := make([]int, 150)
	for i := range labels {
		labels[i] = 7
		if i%2 == 1 {
			labels[i] = 3
		}
	}
	mixed, err := g.FromNoise(z, labels)
	require.NoError(t, err)
	for i := range 150 {
		want := seven
		if i%2 == 1 {
			want = three
		}
		require.Equal(t, want[i*784:(i+1)*784], mixed[i*784:(i+1)*784], "image %d", i)
	}
	random, err := g.Generate(20, 5)
	require.NoError(t, err)
	require.Len(t, random, 20*784)

	for _, c := range []struct {
		class int
		want  string
	}{{-1, "class -1"}, {10, "class 10"}} {
		_, err := g.GenerateClass(4, c.class, 1)
		require.ErrorContains(t, err, c.want)
	}
	_, err = g.FromNoise(make([]float32, 100), nil)
	require.ErrorContains(t, err, "needs 1 labels")
	_, err = g.FromNoise(make([]float32, 100), []int{12})
	require.ErrorContains(t, err, "label 12")

	plain, err := New(Config{}, 2)
	require.NoError(t, err)
	_, err = NewGenerator(plain).GenerateClass(4, 1, 1)
	require.ErrorContains(t, err, "not class-conditional")
	_, err = NewGenerator(plain).FromNoise(make([]float32, 100), []int{1})
	require.ErrorContains(t, err, "takes no labels")
}

// TestConditionalLearnsClasses trains a small conditional GAN on the ten
// synthetic shapes and checks that asking for class c draws images nearer
// class c's mean image than any other class's mean, for most classes. (It
// passed with 19–20 of 20 images for every class with three seeds; without
// D's projection term it drew the same shapes for every class.) It does so
// for G's label at its input alone and with class norms after its hidden
// layers.
func TestConditionalLearnsClasses(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a GAN")
	}
	for _, gcond := range []string{GCondInput, GCondNorm} {
		t.Run(gcond, func(t *testing.T) { testConditionalLearnsClasses(t, gcond) })
	}
}

func testConditionalLearnsClasses(t *testing.T, gcond string) {
	const n, batch, classes, pixels = 2000, 50, 10, 784
	set := datasets.Synthetic(n, 3)
	loader, err := datasets.NewLoader(set, batch, 1, datasets.ScaleSigned)
	require.NoError(t, err)
	// With 500 steps most classes already come out right; 1000 leave a margin.
	m, err := New(Config{Classes: classes, GCond: gcond, Z: 16, GHidden: []int{128}, DHidden: []int{128}, DDropout: 0.3}, 1)
	require.NoError(t, err)
	require.Equal(t, gcond == GCondNorm, m.Gen.(*MLPGenerator).Norms != nil)
	s, err := NewStep(m, TrainConfig{Batch: batch, LR: 5e-4}, 1)
	require.NoError(t, err)
	images := make([]float32, batch*pixels)
	labels := make([]int, batch)
	for step := range 1000 {
		require.NoError(t, loader.Fill(step/(n/batch), step%(n/batch), images, labels))
		_, err := s.Run(images, labels)
		require.NoError(t, err)
	}

	means := classMeans(set, classes, pixels)
	g := NewGenerator(m)
	// Each sample is assigned to the class whose mean image is nearest.
	nearest := func(img []float32) int { return nearestMean(means, img) }
	const per = 20
	right := 0
	for c := range classes {
		imgs, err := g.GenerateClass(per, c, 9)
		require.NoError(t, err)
		hits := 0
		hist := make([]int, classes)
		for i := range per {
			k := nearest(imgs[i*pixels : (i+1)*pixels])
			hist[k]++
			if k == c {
				hits++
			}
		}
		t.Logf("class %d: %d/%d nearest to its mean; %v", c, hits, per, hist)
		if 2*hits > per {
			right++
		}
	}
	require.GreaterOrEqual(t, right, 8, "classes drawn as asked")
}

// TestDiscriminatorSeesLabels: the same images with other labels get other
// logits, packed or not (the gradient check alone would pass if D dropped
// its labels).
func TestDiscriminatorSeesLabels(t *testing.T) {
	for _, pack := range []int{1, 2} {
		cfg := smallCond
		cfg.DPack = pack
		m, err := New(cfg, 4)
		require.NoError(t, err)
		b := graphs.NewBuilder()
		x, y := b.Input("x", 4, 6), b.Input("y", 4, 3)
		out := b.Keep(m.Discriminate(b, x, y))
		vm, err := b.Compile()
		require.NoError(t, err)
		for i, v := range []float32{0.1, -0.5, 0.9, 0.3, -0.2, 0.7} {
			graphs.Value(x).Data().([]float32)[i] = v
		}
		logits := func(labels []int) []float32 {
			require.NoError(t, graphs.OneHot(graphs.Value(y).Data().([]float32), labels, 3))
			require.NoError(t, vm.Run())
			return append([]float32(nil), out.Float32s()...)
		}
		a, a2, other := logits([]int{0, 1, 2, 0}), logits([]int{0, 1, 2, 0}), logits([]int{0, 1, 2, 1})
		require.Equal(t, a, a2)
		require.Len(t, a, 4/pack)
		// Only the last image's label changed: only its row (or pack) moves.
		last := len(a) - 1
		require.Equal(t, a[:last], other[:last], "pack %d", pack)
		require.NotEqual(t, a[last], other[last], "pack %d", pack)
	}
}

// TestGCondNormParams: class norms in G add gen.cnorm<k> after G's layers
// (and gen_ema's), one per hidden layer, starting as the identity, and
// leave every other parameter as the label at G's input alone has it.
func TestGCondNormParams(t *testing.T) {
	cfg := Config{Classes: 10, EMA: 0.9}
	input, err := New(cfg, 1)
	require.NoError(t, err)
	cfg.GCond = GCondNorm
	norm, err := New(cfg, 1)
	require.NoError(t, err)
	var want []string
	for _, p := range input.Params() {
		want = append(want, p.Name)
		if p.Name == "gen.fc3.bias" || p.Name == "gen_ema.fc3.bias" {
			prefix := strings.TrimSuffix(p.Name, "fc3.bias")
			want = append(want, prefix+"cnorm1.gamma", prefix+"cnorm1.beta", prefix+"cnorm2.gamma", prefix+"cnorm2.beta")
		}
	}
	var got []string
	for _, p := range norm.Params() {
		got = append(got, p.Name)
		if q := input.Params().Find(p.Name); q != nil {
			require.Equal(t, q.Float32s(), p.Float32s(), p.Name)
			continue
		}
		require.Equal(t, []int{10, 256}, p.Shape(), p.Name)
		v := float32(0)
		if strings.HasSuffix(p.Name, ".gamma") {
			v = 1
		}
		for _, x := range p.Float32s() {
			require.Equal(t, v, x, p.Name)
		}
	}
	require.Equal(t, want, got)
	require.Equal(t, input.Config.Footprint().Params+2*2*2*256*10, norm.Config.Footprint().Params)

	for _, bad := range []Config{
		{Classes: 10, GCond: "sideways"},
		{GCond: GCondNorm},
		{Arch: "dcgan", Classes: 10, GCond: GCondNorm},
		{Classes: 10, Cond: CondEvery, GCond: GCondNorm},
	} {
		_, err := New(bad, 1)
		require.ErrorContains(t, err, "generator conditioning mode", "%+v", bad)
	}
}

// TestOldConditionalCheckpointsKeepTheirGenerator: a conditional MLP
// checkpoint saved before G had modes of its own (no g_cond) loads with
// the label at G's input alone, or at every layer with cond "every".
func TestOldConditionalCheckpointsKeepTheirGenerator(t *testing.T) {
	for _, c := range []struct{ cond, want string }{{"", GCondInput}, {CondJoined, GCondInput}, {CondProjection, GCondInput}, {CondEvery, GCondEvery}} {
		m, err := New(Config{Classes: 10, Cond: c.cond, GCond: c.want}, 1)
		require.NoError(t, err)
		s, err := NewStep(m, TrainConfig{Batch: 8}, 1)
		require.NoError(t, err)
		ckpt, err := trainer.Checkpoint(s, 0, 0, 1, nil)
		require.NoError(t, err)
		var old map[string]any
		require.NoError(t, json.Unmarshal(ckpt.Meta.Config, &old))
		require.Equal(t, c.want, old["g_cond"])
		delete(old, "g_cond")
		if c.cond == "" {
			delete(old, "cond")
		}
		ckpt.Meta.Config, err = json.Marshal(old)
		require.NoError(t, err)
		back, err := FromCheckpoint(roundTrip(t, ckpt))
		require.NoError(t, err)
		require.Equal(t, m.Config, back.Config, "cond %q", c.cond)
		require.Equal(t, c.want == GCondEvery, back.Gen.(*MLPGenerator).EveryLayer)
		require.Nil(t, back.Gen.(*MLPGenerator).Norms)
	}
}
