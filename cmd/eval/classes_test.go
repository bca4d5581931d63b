package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/eval"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/zoo"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
)

// realDigits is a conditional "model" that draws real training digits of
// the class asked for, shifted by offset: offset 0 obeys, 1 draws the next
// digit every time.
type realDigits struct {
	zoo.Model
	train  *datasets.Set
	offset int
}

func (r realDigits) Classes() int { return 10 }

func (r realDigits) Generate(_ context.Context, n int, _ uint64, class int) ([]float32, error) {
	want := (class + r.offset) % 10
	var out []float32
	for i, y := range r.train.Labels {
		if int(y) != want {
			continue
		}
		for _, p := range r.train.Image(i) {
			out = append(out, float32(p)/255)
		}
		if len(out) == n*784 {
			break
		}
	}
	return out, nil
}

// TestSweepAgreement: real digits drawn as asked agree with the request
// almost always and sit close to their class's test images; the same
// digits drawn for the wrong class agree never and sit far.
func TestSweepAgreement(t *testing.T) {
	train, err := datasets.MNIST(datasets.Train, "")
	require.NoError(t, err)
	test, err := datasets.MNIST(datasets.Test, "")
	require.NoError(t, err)
	clf, _, err := eval.DefaultClassifier()
	require.NoError(t, err)
	net := &network{clf: clf, name: eval.ClassifierName}
	obey, err := sweepClasses(context.Background(), realDigits{train: train}, -1, 200, 1, test, net, eval.Options{}, nil)
	require.NoError(t, err)
	lie, err := sweepClasses(context.Background(), realDigits{train: train, offset: 1}, -1, 200, 1, test, net, eval.Options{}, nil)
	require.NoError(t, err)
	require.Len(t, obey.Rows, 10)
	require.Greater(t, obey.MeanAgreement, 0.97)
	require.Greater(t, obey.WorstAgreement, 0.9)
	require.Less(t, lie.MeanAgreement, 0.05)
	require.Greater(t, lie.MeanFID, 5*obey.MeanFID)
	for k, r := range obey.Rows {
		require.Equal(t, k, r.Class)
		require.Greater(t, r.Coverage, lie.Rows[k].Coverage, "class %d", k)
		require.InDelta(t, 1000, r.ReferenceN, 200, "class %d: its test images", k)
		require.GreaterOrEqual(t, r.Agreement, obey.WorstAgreement)
	}
	t.Logf("obeying: mean %.3f worst %d %.3f FID %.2f; lying: mean %.3f FID %.2f",
		obey.MeanAgreement, obey.WorstClass, obey.WorstAgreement, obey.MeanFID, lie.MeanAgreement, lie.MeanFID)
}

// TestClassFlag: -class all adds one row per class of a conditional
// checkpoint, to the table and the JSON; -class k one row; an
// unconditional checkpoint and a missing -ckpt are refused.
func TestClassFlag(t *testing.T) {
	save := func(classes int) string {
		m, err := gan.New(gan.Config{GHidden: []int{16}, DHidden: []int{16}, Z: 4, Classes: classes}, 1)
		require.NoError(t, err)
		s, err := gan.NewStep(m, gan.TrainConfig{Batch: 8}, 1)
		require.NoError(t, err)
		dir, _ := testutil.SaveRun(t, s, 1)
		return dir
	}
	cond := save(10)
	r := runJSON(t, "-ckpt", cond, "-class", "all", "-class-n", "40")
	require.NotNil(t, r.PerClass)
	require.Len(t, r.PerClass.Rows, 10)
	require.Equal(t, 40, r.PerClass.N)
	one := runJSON(t, "-ckpt", cond, "-class", "3", "-class-n", "40")
	require.Len(t, one.PerClass.Rows, 1)
	require.Equal(t, r.PerClass.Rows[3], one.PerClass.Rows[0], "class 3 alone measures as in the sweep")

	var table bytes.Buffer
	require.NoError(t, run(context.Background(), append(quick, "-ckpt", cond, "-class", "all", "-class-n", "40"), &table, &table))
	for _, want := range []string{"per class (40 samples each", "agreement", "coverage", "mean agreement", "worst"} {
		require.Contains(t, table.String(), want)
	}
	js, err := json.Marshal(r)
	require.NoError(t, err)
	require.Contains(t, string(js), `"per_class":{"n":40,"rows":[{"class":0,`)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-ckpt", save(0), "-class", "all"}, "not conditional"},
		{[]string{"-noise", "-class", "all"}, "give -ckpt"},
		{[]string{"-ckpt", cond, "-class", "ten"}, `-class "ten"`},
		{[]string{"-ckpt", cond, "-class", "10", "-class-n", "40"}, "classes 0 to 9"},
		{[]string{"-ckpt", cond, "-class", "all", "-class-n", "2"}, "-class-n 2"},
	} {
		err := run(context.Background(), append(quick, c.args...), &bytes.Buffer{}, &bytes.Buffer{})
		require.ErrorContains(t, err, c.want, strings.Join(c.args, " "))
	}
}
