package main

import (
	"bytes"
	"errors"
	"flag"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/internal/cli"
)

// makeRun writes a run folder holding metrics.jsonl with the given lines.
func makeRun(t *testing.T, root, name string, lines ...string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	content := strings.Join(lines, "\n") + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(content), 0o644))
	return dir
}

// testRuns makes three runs: gan, evaluated at 0.5, 2 and 10 minutes of
// training; dcgan at 1.5 and 6.7 minutes; and late, not evaluated yet.
func testRuns(t *testing.T) (root string, dirs []string) {
	root = t.TempDir()
	gan := makeRun(t, root, "gan",
		`{"step":100,"epoch":0.1,"loss_d":1.2,"train_s":20,"time":"2026-01-01T00:00:00Z"}`,
		`{"step":150,"epoch":0.15,"eval":true,"fid":200,"inception_score":2,"train_s":30}`,
		`{"step":600,"epoch":0.6,"eval":true,"fid":100,"inception_score":5,"train_s":120}`,
		`{"step":3000,"epoch":3,"eval":true,"fid":50,"inception_score":8,"train_s":600}`)
	dcgan := makeRun(t, root, "dcgan",
		`{"step":40,"epoch":1,"eval":true,"fid":150,"inception_score":4,"train_s":90}`,
		`{"step":200,"epoch":5,"eval":true,"fid":40,"inception_score":9,"train_s":400}`)
	f, err := os.OpenFile(filepath.Join(dcgan, "metrics.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"step":250,"epoch":6,"eval":true,"fi`) // still being written
	require.NoError(t, err)
	require.NoError(t, f.Close())
	late := makeRun(t, root, "late", `{"step":100,"epoch":0.1,"loss_d":1.2,"train_s":20}`)
	return root, []string{gan, dcgan, late}
}

func TestTable(t *testing.T) {
	_, dirs := testRuns(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"fid", []string{"-budgets", "1m,5m,15m"}, `fid after each training time (the last evaluation at or before it; lower is better, the best in bold):

| run | 1m | 5m | 15m |
| --- | ---: | ---: | ---: |
| gan | **200** | **100** | 50 |
| dcgan | – | 150 | **40** |
| late | – | – | – |
`},
		{"a metric that grows", []string{"-metric", "inception_score", "-budgets", "30s,1h30m", "-label", "MLP | EMA", "-label", "conv", "-label", "late"}, `inception_score after each training time (the last evaluation at or before it; higher is better, the best in bold):

| run | 30s | 1h30m |
| --- | ---: | ---: |
| MLP \| EMA | **2** | 8 |
| conv | – | **9** |
| late | – | – |
`},
		{"-better", []string{"-better", "high", "-budgets", "5m"}, "| gan | 100 |\n| dcgan | **150** |\n"},
		{"default budgets", nil, "| run | 1m | 5m | 15m | 30m |\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, run(append(append(tt.args, "-o", ""), dirs...), &out))
			require.Contains(t, out.String(), tt.want)
		})
	}
}

func TestPNG(t *testing.T) {
	root, dirs := testRuns(t)
	file := filepath.Join(root, "curves.png")
	var out bytes.Buffer
	require.NoError(t, run(append([]string{"-o", file, "-log"}, dirs...), &out))
	require.True(t, strings.HasPrefix(out.String(), "wrote "+file+"\n\nfid after"), "%q", out.String())
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	require.Equal(t, 800, img.Bounds().Dx())
	require.Equal(t, 480, img.Bounds().Dy())
	// The first two runs' lines, in the plot's first two colours, are
	// more than their legend swatches.
	for _, c := range []color.RGBA{{31, 119, 180, 255}, {255, 127, 14, 255}} {
		n := 0
		for y := range img.Bounds().Dy() {
			for x := range img.Bounds().Dx() {
				if color.RGBAModel.Convert(img.At(x, y)) == c {
					n++
				}
			}
		}
		require.Greater(t, n, 100, "pixels of %v", c)
	}
}

func TestErrors(t *testing.T) {
	root, dirs := testRuns(t)
	old := makeRun(t, root, "old", `{"step":10,"eval":true,"fid":90,"time":"2026-01-01T00:00:00Z"}`)
	broken := makeRun(t, root, "broken", `{"step":10,"train_s":1}`, `{"step":`)
	empty := filepath.Join(root, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	tests := []struct {
		name  string
		args  []string
		usage bool
		want  []string
	}{
		{"no runs", nil, true, []string{"give one or more run folders"}},
		{"labels", append([]string{"-label", "a"}, dirs...), true, []string{"1 -label flags for 3 run folders"}},
		{"budgets out of order", append([]string{"-budgets", "5m,1m"}, dirs...), true, []string{"1m does not come after 5m"}},
		{"budget not a duration", append([]string{"-budgets", "1m,soon"}, dirs...), true, []string{`"soon" is not a duration`}},
		{"budget zero", append([]string{"-budgets", "0s"}, dirs...), true, []string{`"0s" is not a positive duration`}},
		{"-better", append([]string{"-better", "up"}, dirs...), true, []string{`-better must be low or high (got "up")`}},
		{"no metrics.jsonl", []string{dirs[0], empty}, false, []string{empty + " has no metrics.jsonl"}},
		{"malformed", []string{broken}, false, []string{filepath.Join(broken, "metrics.jsonl"), "line 2"}},
		{"older run", []string{dirs[0], old}, false, []string{filepath.Join(old, "metrics.jsonl"), "step 10 has no training time (train_s)"}},
		{"unknown metric", append([]string{"-metric", "fidd"}, dirs...), false, []string{`no evaluation of these runs holds "fidd"; they hold fid, inception_score`}},
		{"no evaluations yet", []string{dirs[2]}, false, []string{`no evaluation of these runs holds "fid": they have no evaluations yet`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "curves.png")
			err := run(append([]string{"-o", file}, tt.args...), &bytes.Buffer{})
			require.Error(t, err)
			for _, w := range tt.want {
				require.ErrorContains(t, err, w)
			}
			var ue *cli.UsageError
			require.Equal(t, tt.usage, errors.As(err, &ue), "a usage error: %v", err)
			_, err = os.Stat(file)
			require.ErrorIs(t, err, os.ErrNotExist, "no picture")
		})
	}
}

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	require.ErrorIs(t, run([]string{"-h"}, &out), flag.ErrHelp)
	require.Contains(t, out.String(), "Usage: curves [flags] RUN_FOLDER...")
	require.Contains(t, out.String(), "-budgets")
}

// TestSeeds: runs given one label are one series, their mean with their
// spread, in the table and in the picture.
func TestSeeds(t *testing.T) {
	root, dirs := testRuns(t)
	s2 := makeRun(t, root, "gan-s2",
		`{"step":150,"eval":true,"fid":180,"train_s":36}`,
		`{"step":600,"eval":true,"fid":90,"train_s":132}`,
		`{"step":2900,"eval":true,"fid":60,"train_s":590}`) // its budget ended it at another step
	args := []string{"-o", "", "-budgets", "30s,1m,10m", "-label", "MLP", "-label", "MLP", "-label", "dcgan", dirs[0], s2, dirs[1]}
	var out bytes.Buffer
	require.NoError(t, run(args, &out))
	require.Contains(t, out.String(), `| run | 30s | 1m | 10m |
| --- | ---: | ---: | ---: |
| MLP (mean of 2 runs) | – | **190** (180–200) | 55 (50–60) |
| dcgan | – | – | **40** |
`)

	gan, err := readRun(dirs[0], "fid", map[string]bool{})
	require.NoError(t, err)
	seed2, err := readRun(s2, "fid", map[string]bool{})
	require.NoError(t, err)
	g := group{label: "MLP", runs: [][]eval{gan, seed2}}
	s := g.series()
	require.Equal(t, "MLP (mean of 2 runs)", s.Name)
	require.Equal(t, []float64{0.55, 2.1}, s.X, "the steps both runs evaluated, at their mean training time")
	require.Equal(t, []float64{190, 95}, s.Y)
	require.Equal(t, []float64{180, 90}, s.Lo)
	require.Equal(t, []float64{200, 100}, s.Hi)

	one := group{label: "gan", runs: [][]eval{gan}}.series()
	require.Equal(t, []float64{0.5, 2, 10}, one.X)
	require.Equal(t, []float64{200, 100, 50}, one.Y)
	require.Nil(t, one.Lo, "one run, no spread")

	other := makeRun(t, root, "elsewhere/gan", `{"step":150,"eval":true,"fid":70,"train_s":36}`)
	out.Reset()
	require.NoError(t, run([]string{"-o", "", "-budgets", "10m", dirs[0], other}, &out))
	require.Contains(t, out.String(), "| gan | **50** |\n| gan | 70 |\n", "without labels, two folders of one name are two series")

	file := filepath.Join(root, "seeds.png")
	require.NoError(t, run(append([]string{"-o", file}, args[2:]...), &out))
	_, err = os.Stat(file)
	require.NoError(t, err)
}
