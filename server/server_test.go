package server

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/visual"
	"github.com/gorgozoo/gorgozoo/zoo"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// secret is the content of the files outside the root that no request
// may reach.
const secret = "SECRET-OUTSIDE-THE-ROOT"

// fixture is a root folder with runs of small models, broken checkpoints
// and links that lead out of it, next to a folder outside it.
type fixture struct {
	root, outside string
}

// saveRun writes m as a run folder dir under root: config.json,
// metrics.jsonl (the last line unfinished), a sample grid and a
// checkpoint.
func saveRun(t *testing.T, dir string, m trainer.Model, command string) {
	t.Helper()
	c, err := trainer.Checkpoint(m, 20, 1, 1, nil)
	require.NoError(t, err)
	_, err = checkpoints.Dir{Path: filepath.Join(dir, "checkpoints")}.Save(c)
	require.NoError(t, err)
	cfg := `{"command": "` + command + `", "data": "MNIST train", "flags": {"epochs": 2, "steps": 0, "model": "mlp"}, "model": {"arch": "mlp"}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644))
	metrics := `{"epoch":0.5,"loss":3,"step":10,"images_per_s":100,"time":"2026-01-01T00:00:00Z"}
{"epoch":1,"loss":2,"step":20,"images_per_s":100,"train_s":3,"time":"2026-01-01T00:00:01Z"}
{"epoch":1,"eval":true,"step":20,"fid":12.5,"train_s":3}
{"epoch":1,"resumed":true,"step":20,"changed":{"lr":{"from":0.1,"to":0.2}}}
{"epoch":1.5,"loss":1,"st`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(metrics), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "samples"), 0o755))
	for _, name := range []string{"samples-epoch-001.png", "samples-epoch-002.png", "samples-step-00000005.png"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "samples", name), pngOf(t), 0o644))
	}
}

// pngOf returns a small PNG file's bytes.
func pngOf(t *testing.T) []byte {
	img, err := visual.Image(make([]float32, 4), visual.Shape{H: 2, W: 2}, 0, 1)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	base := t.TempDir()
	f := fixture{root: filepath.Join(base, "root"), outside: filepath.Join(base, "outside")}
	require.NoError(t, os.MkdirAll(f.root, 0o755))
	require.NoError(t, os.MkdirAll(f.outside, 0o755))

	g, err := gan.New(gan.Config{GHidden: []int{16}, DHidden: []int{8}, Z: 4}, 3)
	require.NoError(t, err)
	gs, err := gan.NewStep(g, gan.TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	saveRun(t, filepath.Join(f.root, "gan"), gs, "train-gan")

	v, err := vae.New(vae.Config{Hidden: []int{16}, Z: 3, Classes: 10}, 3)
	require.NoError(t, err)
	vs, err := vae.NewStep(v, vae.TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	saveRun(t, filepath.Join(f.root, "group", "cvae"), vs, "train-vae")

	// A half-written checkpoint: the first bytes of a good one.
	good, err := os.ReadFile(filepath.Join(f.root, "gan", "checkpoints", "ckpt-000000020.safetensors"))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(f.root, "broken", "checkpoints"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(f.root, "broken", "config.json"), []byte(`{"command": "train-gan"}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(f.root, "broken", "checkpoints", "ckpt-000000001.safetensors"), good[:len(good)/2], 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(f.root, "garbage.safetensors"), []byte("not a checkpoint at all"), 0o644))

	// Outside the root: a secret picture, a secret run with a checkpoint,
	// and links to them from inside.
	require.NoError(t, os.WriteFile(filepath.Join(f.outside, "secret.png"), []byte(secret), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(f.outside, "secret.json"), []byte(`{"secret": "`+secret+`"}`), 0o644))
	saveRun(t, filepath.Join(f.outside, "run"), gs, "train-gan-"+secret)
	for link, target := range map[string]string{
		"link.png":                          filepath.Join(f.outside, "secret.png"),
		"linkdir":                           f.outside,
		"linkrun":                           filepath.Join(f.outside, "run"),
		"gan/samples/samples-epoch-009.png": filepath.Join(f.outside, "secret.png"),
		"linkckpt.safetensors":              filepath.Join(f.outside, "run", "checkpoints", "ckpt-000000020.safetensors"),
	} {
		require.NoError(t, os.Symlink(target, filepath.Join(f.root, link)))
	}
	// A link that stays inside the root is followed.
	require.NoError(t, os.Symlink(filepath.Join(f.root, "gan"), filepath.Join(f.root, "alias")))
	return f
}

func newServer(t *testing.T, root string, cfg Config) (*Server, *bytes.Buffer) {
	t.Helper()
	var logged bytes.Buffer
	cfg.Root, cfg.Log = root, log.New(&logged, "", 0)
	s, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, &logged
}

// do sends a request with a raw target (not cleaned by any client) to h.
func do(h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestRequests: a table of good and bad requests, each with the status,
// type and (for a 400) the parameter named. No answer holds the files
// outside the root, whatever the path's disguise.
func TestRequests(t *testing.T) {
	f := newFixture(t)
	s, _ := newServer(t, f.root, Config{MaxImages: 64, MaxBody: 1 << 16})
	h := s.Handler()
	img := "[" + strings.TrimSuffix(strings.Repeat("0.5,", 784), ",") + "]"
	for _, c := range []struct {
		name, method, target, body string
		status                     int
		ctype, param               string
	}{
		{"runs page", "GET", "/", "", 200, "text/html", ""},
		{"run page", "GET", "/run?run=gan", "", 200, "text/html", ""},
		{"nested run page", "GET", "/run?run=group/cvae", "", 200, "text/html", ""},
		{"run through a link inside the root", "GET", "/run?run=alias", "", 200, "text/html", ""},
		{"compare page", "GET", "/compare?run=gan&run=group/cvae", "", 200, "text/html", ""},
		{"playground", "GET", "/play?model=group/cvae", "", 200, "text/html", ""},
		{"playground of a broken checkpoint", "GET", "/play?model=broken", "", 422, "text/html", ""},
		{"script", "GET", "/static/app.js", "", 200, "text/javascript", ""},
		{"runs", "GET", "/api/runs", "", 200, "application/json", ""},
		{"run", "GET", "/api/run?run=gan", "", 200, "application/json", ""},
		{"metrics", "GET", "/api/metrics?run=gan&from=1", "", 200, "application/json", ""},
		{"metrics from a bad line", "GET", "/api/metrics?run=gan&from=-1", "", 400, "application/json", "from"},
		{"models", "GET", "/api/models", "", 200, "application/json", ""},
		{"model", "GET", "/api/model?model=gan", "", 200, "application/json", ""},
		{"picture", "GET", "/files/gan/samples/samples-epoch-001.png", "", 200, "image/png", ""},
		{"config file", "GET", "/files/gan/config.json", "", 200, "application/json", ""},
		{"checkpoint file is not served", "GET", "/files/gan/checkpoints/ckpt-000000020.safetensors", "", 404, "application/json", ""},
		{"grid", "GET", "/api/generate?model=gan&n=9&seed=3", "", 200, "image/png", ""},
		{"grid from a checkpoint file", "GET", "/api/generate?model=gan/checkpoints/ckpt-000000020.safetensors", "", 200, "image/png", ""},
		{"one image", "GET", "/api/generate?model=gan&n=4&index=3", "", 200, "image/png", ""},
		{"json pixels", "GET", "/api/generate?model=gan&n=2&format=json", "", 200, "application/json", ""},
		{"post", "POST", "/api/generate", `{"model": "group/cvae", "n": 4, "seed": 7, "class": 3}`, 200, "image/png", ""},
		{"walk", "GET", "/api/walk?model=gan&seed=1&to=2&steps=5", "", 200, "image/png", ""},
		{"conditional walk", "GET", "/api/walk?model=group/cvae&steps=3&class=2&format=json", "", 200, "application/json", ""},
		{"encode", "POST", "/api/encode", `{"model": "group/cvae", "images": [` + img + `], "labels": [4]}`, 200, "application/json", ""},
		{"decode", "POST", "/api/decode", `{"model": "group/cvae", "z": [[0, 1, -1]], "labels": [4]}`, 200, "application/json", ""},
		{"decode to png", "POST", "/api/decode", `{"model": "group/cvae", "z": [[0, 1, -1]], "labels": [4], "format": "png"}`, 200, "image/png", ""},

		{"n too large", "GET", "/api/generate?model=gan&n=65", "", 400, "application/json", "n"},
		{"n zero", "GET", "/api/generate?model=gan&n=0", "", 400, "application/json", "n"},
		{"n not a number", "GET", "/api/generate?model=gan&n=lots", "", 400, "application/json", "n"},
		{"negative seed", "GET", "/api/generate?model=gan&seed=-1", "", 400, "application/json", "seed"},
		{"class of an unconditional model", "GET", "/api/generate?model=gan&class=1", "", 400, "application/json", "class"},
		{"class out of range", "GET", "/api/generate?model=group/cvae&class=10", "", 400, "application/json", "class"},
		{"index out of range", "GET", "/api/generate?model=gan&n=4&index=4", "", 400, "application/json", "index"},
		{"bad format", "GET", "/api/generate?model=gan&format=gif", "", 400, "application/json", "format"},
		{"unknown parameter", "GET", "/api/generate?model=gan&colour=red", "", 400, "application/json", "colour"},
		{"parameter twice", "GET", "/api/generate?model=gan&n=1&n=2", "", 400, "application/json", "n"},
		{"no model", "GET", "/api/generate", "", 400, "application/json", "model"},
		{"unknown JSON field", "POST", "/api/generate", `{"model": "gan", "m": 3}`, 400, "application/json", "m"},
		{"wrong JSON type", "POST", "/api/generate", `{"model": "gan", "n": "3"}`, 400, "application/json", "n"},
		{"not JSON", "POST", "/api/generate", `model=gan`, 400, "application/json", "body"},
		{"trailing JSON", "POST", "/api/generate", `{"model": "gan"} {}`, 400, "application/json", "body"},
		{"walk too long", "GET", "/api/walk?model=gan&steps=1000", "", 400, "application/json", "steps"},
		{"encode with a GAN", "POST", "/api/encode", `{"model": "gan", "images": [` + img + `]}`, 400, "application/json", "model"},
		{"encode without labels", "POST", "/api/encode", `{"model": "group/cvae", "images": [` + img + `]}`, 400, "application/json", "labels"},
		{"encode a short image", "POST", "/api/encode", `{"model": "group/cvae", "images": [[0.5]], "labels": [1]}`, 400, "application/json", "images"},
		{"encode a pixel out of range", "POST", "/api/encode", `{"model": "group/cvae", "images": [` + strings.Replace(img, "0.5", "7", 1) + `], "labels": [1]}`, 400, "application/json", "images"},
		{"decode a bad label", "POST", "/api/decode", `{"model": "group/cvae", "z": [[0, 1, -1]], "labels": [10]}`, 400, "application/json", "labels"},
		{"decode a short point", "POST", "/api/decode", `{"model": "group/cvae", "z": [[0, 1]], "labels": [1]}`, 400, "application/json", "z"},
		{"body too large", "POST", "/api/encode", `{"model": "group/cvae", "images": [` + strings.Repeat(img+",", 100) + img + `]}`, 413, "application/json", ""},
		{"half-written checkpoint", "GET", "/api/generate?model=broken", "", 422, "application/json", ""},
		{"not a checkpoint", "GET", "/api/generate?model=garbage.safetensors", "", 422, "application/json", ""},
		{"no such run", "GET", "/api/run?run=nothing", "", 404, "application/json", ""},
		{"no such route", "GET", "/api/nothing", "", 404, "text/plain", ""},
		{"wrong method", "DELETE", "/api/runs", "", 405, "", ""},

		// Traversal: every disguise fails closed with a 404.
		{"dot-dot in a file path", "GET", "/files/../outside/secret.png", "", 404, "application/json", ""},
		{"dot-dot deep", "GET", "/files/gan/../../outside/secret.png", "", 404, "application/json", ""},
		{"encoded dot-dot", "GET", "/files/%2e%2e/outside/secret.png", "", 404, "application/json", ""},
		{"encoded slash", "GET", "/files/..%2foutside%2fsecret.png", "", 404, "application/json", ""},
		{"double-encoded dot-dot", "GET", "/files/%252e%252e/outside/secret.png", "", 404, "application/json", ""},
		{"double-encoded slash", "GET", "/files/..%252foutside%252fsecret.png", "", 404, "application/json", ""},
		{"backslash", "GET", "/files/..%5coutside%5csecret.png", "", 404, "application/json", ""},
		{"absolute path", "GET", "/files//" + strings.TrimPrefix(f.outside, "/") + "/secret.png", "", 404, "application/json", ""},
		{"NUL", "GET", "/files/gan/config.json%00.png", "", 404, "application/json", ""},
		{"symlinked file", "GET", "/files/link.png", "", 404, "application/json", ""},
		{"symlinked folder", "GET", "/files/linkdir/secret.json", "", 404, "application/json", ""},
		{"symlinked grid in a run", "GET", "/files/gan/samples/samples-epoch-009.png", "", 404, "application/json", ""},
		{"run dot-dot", "GET", "/api/run?run=../outside/run", "", 404, "application/json", ""},
		{"run encoded dot-dot", "GET", "/api/run?run=%2e%2e%2foutside%2frun", "", 404, "application/json", ""},
		{"run double-encoded", "GET", "/api/run?run=%252e%252e%252foutside%252frun", "", 404, "application/json", ""},
		{"run absolute", "GET", "/api/run?run=" + f.outside + "/run", "", 404, "application/json", ""},
		{"run symlinked", "GET", "/api/run?run=linkrun", "", 404, "application/json", ""},
		{"metrics symlinked", "GET", "/api/metrics?run=linkrun", "", 404, "application/json", ""},
		{"run page symlinked", "GET", "/run?run=linkrun", "", 404, "text/html", ""},
		{"compare symlinked", "GET", "/compare?run=gan&run=linkrun", "", 404, "text/html", ""},
		{"model dot-dot", "GET", "/api/generate?model=../outside/run", "", 404, "application/json", ""},
		{"model absolute", "GET", "/api/generate?model=" + f.outside + "/run", "", 404, "application/json", ""},
		{"model symlinked run", "GET", "/api/generate?model=linkrun", "", 404, "application/json", ""},
		{"model symlinked file", "GET", "/api/generate?model=linkckpt.safetensors", "", 404, "application/json", ""},
		{"model in post", "POST", "/api/generate", `{"model": "../outside/run"}`, 404, "application/json", ""},
		{"playground symlinked", "GET", "/play?model=linkrun", "", 404, "text/html", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := do(h, c.method, c.target, c.body)
			body := rec.Body.String()
			require.Equal(t, c.status, rec.Code, body)
			require.True(t, strings.HasPrefix(rec.Header().Get("Content-Type"), c.ctype), rec.Header().Get("Content-Type"))
			require.NotContains(t, body, secret)
			require.NotContains(t, body, f.root, "answers name files relative to the root")
			if c.status >= 400 && strings.HasPrefix(c.ctype, "application/json") {
				var e struct{ Error, Param string }
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
				require.NotEmpty(t, e.Error)
				require.Equal(t, c.param, e.Param)
			}
		})
	}
}

// TestListings: the runs and models under the root, with their scores,
// leave out what lies behind links out of the root.
func TestListings(t *testing.T) {
	f := newFixture(t)
	s, _ := newServer(t, f.root, Config{})
	var runs struct{ Runs []RunSummary }
	rec := do(s.Handler(), "GET", "/api/runs", "")
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &runs))
	var names []string
	for _, r := range runs.Runs {
		names = append(names, r.Run)
	}
	require.Equal(t, []string{"broken", "gan", "group/cvae"}, names)
	gan := runs.Runs[1]
	require.Equal(t, "train-gan", gan.Command)
	require.Equal(t, "mlp", gan.Model)
	require.Equal(t, 2, gan.Epochs)
	require.Equal(t, int64(20), gan.Step)
	require.Equal(t, map[string]float64{"loss": 2}, gan.Last, "the unfinished last line is not read")
	require.Equal(t, map[string]float64{"fid": 12.5}, gan.LastEval)

	var models struct{ Models []ModelFile }
	require.NoError(t, json.Unmarshal(do(s.Handler(), "GET", "/api/models", "").Body.Bytes(), &models))
	var files []string
	for _, m := range models.Models {
		files = append(files, m.Model)
	}
	require.Equal(t, []string{"broken/checkpoints/ckpt-000000001.safetensors", "gan/checkpoints/ckpt-000000020.safetensors",
		"garbage.safetensors", "group/cvae/checkpoints/ckpt-000000020.safetensors"}, files)

	var detail RunDetail
	require.NoError(t, json.Unmarshal(do(s.Handler(), "GET", "/api/run?run=gan", "").Body.Bytes(), &detail))
	var pics []string
	for _, p := range detail.Pictures["samples"] {
		pics = append(pics, p.Label)
	}
	require.Equal(t, []string{"step 5", "epoch 1", "epoch 2"}, pics, "the link out of the root is left out")
}

// TestMetricsFollow: metrics from a line on, without the line being
// written, which a later call returns once it is complete.
func TestMetricsFollow(t *testing.T) {
	f := newFixture(t)
	s, _ := newServer(t, f.root, Config{})
	var m struct {
		Records []map[string]any
		Next    int
	}
	require.NoError(t, json.Unmarshal(do(s.Handler(), "GET", "/api/metrics?run=gan&from=1", "").Body.Bytes(), &m))
	require.Len(t, m.Records, 3)
	require.Equal(t, 4, m.Next)
	file, err := os.OpenFile(filepath.Join(f.root, "gan", "metrics.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = file.WriteString(`ep":30,"time":"x"}` + "\n")
	require.NoError(t, err)
	require.NoError(t, file.Close())
	require.NoError(t, json.Unmarshal(do(s.Handler(), "GET", "/api/metrics?run=gan&from=4", "").Body.Bytes(), &m))
	require.Len(t, m.Records, 1)
	require.Equal(t, 1.0, m.Records[0]["loss"])
	require.Equal(t, 5, m.Next)
}

// TestGenerateIsTheModels: the JSON pixels are the model's own for the
// seed and class, and a PNG of one image is that image.
func TestGenerateIsTheModels(t *testing.T) {
	f := newFixture(t)
	s, _ := newServer(t, f.root, Config{})
	m, err := zoo.Load(filepath.Join(f.root, "group", "cvae"))
	require.NoError(t, err)
	want, err := m.Generate(context.Background(), 5, 9, 2)
	require.NoError(t, err)
	var got struct {
		Shape  []int
		Images [][]float32
	}
	rec := do(s.Handler(), "GET", "/api/generate?model=group/cvae&n=5&seed=9&class=2&format=json", "")
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.Equal(t, []int{1, 28, 28}, got.Shape)
	require.Len(t, got.Images, 5)
	require.Equal(t, want[3*784:4*784], got.Images[3])

	rec = do(s.Handler(), "GET", "/api/generate?model=group/cvae&n=5&seed=9&class=2&index=3", "")
	img, err := png.Decode(rec.Body)
	require.NoError(t, err)
	one, err := visual.Image(want[3*784:4*784], visual.Shape{H: 28, W: 28}, 0, 1)
	require.NoError(t, err)
	require.Equal(t, one, img, "image 3 alone, at its own size")

	rec = do(s.Handler(), "GET", "/api/walk?model=gan&steps=6", "")
	img, err = png.Decode(rec.Body)
	require.NoError(t, err)
	require.Equal(t, 2+6*(28+2), img.Bounds().Dx(), "a walk is one row of steps images")
}

// TestLimits: beyond the workers and the queue a request gets 429 at
// once; one that waits past the time limit gets 503.
func TestLimits(t *testing.T) {
	f := newFixture(t)
	s, _ := newServer(t, f.root, Config{Workers: 1, Queue: 1, Timeout: 50 * time.Millisecond})
	release, err := s.slots.acquire(context.Background())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan error)
	go func() {
		_, err := s.slots.acquire(ctx)
		waited <- err
	}()
	for len(s.slots.admitted) < 2 {
		time.Sleep(time.Millisecond)
	}
	rec := do(s.Handler(), "GET", "/api/generate?model=gan", "")
	require.Equal(t, http.StatusTooManyRequests, rec.Code, rec.Body.String())
	require.Equal(t, "1", rec.Header().Get("Retry-After"))
	cancel()
	require.ErrorIs(t, <-waited, context.Canceled)
	rec = do(s.Handler(), "GET", "/api/generate?model=gan", "")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "limit")
	release()
	require.Equal(t, http.StatusOK, do(s.Handler(), "GET", "/api/generate?model=gan", "").Code)
}

// TestCache: the cache keeps at most CacheModels models, and a checkpoint
// rewritten on disk is loaded again.
func TestCache(t *testing.T) {
	f := newFixture(t)
	s, _ := newServer(t, f.root, Config{CacheModels: 1})
	for _, model := range []string{"gan", "group/cvae", "gan"} {
		require.Equal(t, http.StatusOK, do(s.Handler(), "GET", "/api/model?model="+model, "").Code)
		n, _ := s.models.stats()
		require.Equal(t, 1, n)
	}
	s, _ = newServer(t, f.root, Config{CacheBytes: 1})
	do(s.Handler(), "GET", "/api/model?model=gan", "")
	do(s.Handler(), "GET", "/api/model?model=group/cvae", "")
	n, _ := s.models.stats()
	require.Equal(t, 1, n, "over the byte budget only the latest model is kept")

	s, _ = newServer(t, f.root, Config{})
	do(s.Handler(), "GET", "/api/model?model=gan", "")
	file := filepath.Join(f.root, "gan", "checkpoints", "ckpt-000000020.safetensors")
	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(file, later, later))
	do(s.Handler(), "GET", "/api/model?model=gan", "")
	n, _ = s.models.stats()
	require.Equal(t, 2, n, "a changed file is a new entry")
}

// TestPanicRecovered: a panicking handler answers 500 and is logged.
func TestPanicRecovered(t *testing.T) {
	f := newFixture(t)
	s, logged := newServer(t, f.root, Config{})
	h := s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := do(h, "GET", "/", "")
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.Contains(t, logged.String(), "boom")
	require.NotContains(t, rec.Body.String(), "boom")
}

// TestServeShutsDown: Serve answers until its context ends, then returns
// nil after the requests in flight.
func TestServeShutsDown(t *testing.T) {
	f := newFixture(t)
	s, _ := newServer(t, f.root, Config{})
	ts := httptest.NewUnstartedServer(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Serve(ctx, ts.Listener, time.Second) }()
	res, err := http.Get("http://" + ts.Listener.Addr().String() + "/api/runs")
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	cancel()
	require.NoError(t, <-done)
}

func TestSlerp(t *testing.T) {
	a, b := []float32{3, 0}, []float32{0, 3}
	require.Equal(t, a, Slerp(a, b, 0))
	require.InDeltaSlice(t, b, Slerp(a, b, 1), 1e-6)
	mid := Slerp(a, b, 0.5)
	require.InDelta(t, 3, math.Hypot(float64(mid[0]), float64(mid[1])), 1e-5, "the norm stays on the circle")
	require.InDeltaSlice(t, []float32{2, 2}, Slerp([]float32{1, 1}, []float32{3, 3}, 0.5), 1e-6, "parallel points: a straight line")
}

// TestConcurrentRequests: requests for several models at once, through a
// cache smaller than the models, each get their own model's images; the
// limiter lets none through beyond its queue silently.
func TestConcurrentRequests(t *testing.T) {
	f := newFixture(t)
	s, _ := newServer(t, f.root, Config{Workers: 2, Queue: 64, CacheModels: 1})
	want := map[string]string{}
	for _, model := range []string{"gan", "group/cvae"} {
		want[model] = do(s.Handler(), "GET", "/api/generate?model="+model+"&n=3&format=json", "").Body.String()
	}
	var wg sync.WaitGroup
	got := make([]string, 32)
	for i := range got {
		wg.Go(func() {
			model := []string{"gan", "group/cvae"}[i%2]
			rec := do(s.Handler(), "GET", "/api/generate?model="+model+"&n=3&format=json", "")
			got[i] = model + " " + strconv.Itoa(rec.Code) + " " + strconv.FormatBool(rec.Body.String() == want[model])
		})
	}
	wg.Wait()
	for i, g := range got {
		require.Equal(t, []string{"gan", "group/cvae"}[i%2]+" 200 true", g)
	}
	n, _ := s.models.stats()
	require.Equal(t, 1, n)
}

// TestColourModel: a colour model's images are RGB PNGs and C×H×W JSON
// pixels, and its encoder takes images of that many values.
func TestColourModel(t *testing.T) {
	v, err := vae.New(vae.Config{Hidden: []int{16}, Z: 3, ImageChannels: 3}, 3)
	require.NoError(t, err)
	vs, err := vae.NewStep(v, vae.TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	root := t.TempDir()
	saveRun(t, filepath.Join(root, "colour"), vs, "train-vae")
	s, _ := newServer(t, root, Config{})

	img, err := png.Decode(do(s.Handler(), "GET", "/api/generate?model=colour&n=4", "").Body)
	require.NoError(t, err)
	require.IsType(t, &image.RGBA{}, img)
	var got struct {
		Shape  []int
		Images [][]float32
	}
	require.NoError(t, json.Unmarshal(do(s.Handler(), "GET", "/api/generate?model=colour&n=2&format=json", "").Body.Bytes(), &got))
	require.Equal(t, []int{3, 28, 28}, got.Shape)
	require.Len(t, got.Images[1], 3*28*28)
	pixels, err := json.Marshal(got.Images[:1])
	require.NoError(t, err)
	rec := do(s.Handler(), "POST", "/api/encode", `{"model": "colour", "images": `+string(pixels)+`}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rec = do(s.Handler(), "POST", "/api/encode", `{"model": "colour", "images": [[`+strings.TrimSuffix(strings.Repeat("0.5,", 784), ",")+`]]}`)
	require.Equal(t, http.StatusBadRequest, rec.Code, "a grey image is refused")
}

// TestDenoise: a diffusion model's denoising steps and its sampling steps,
// each parameter checked; the last step is the image the same request to
// /api/generate draws.
func TestDenoise(t *testing.T) {
	f := newFixture(t)
	unet := diffusion.UNetConfig{Height: 8, Width: 8, Channels: []int{4}, Blocks: 1, TimeDim: 8, Classes: 10, Groups: 2, Attention: []bool{false}}
	d, err := diffusion.New(diffusion.Config{T: 20, UNet: unet}, 3)
	require.NoError(t, err)
	ds, err := diffusion.NewStep(d, diffusion.TrainConfig{Batch: 8}, 1)
	require.NoError(t, err)
	saveRun(t, filepath.Join(f.root, "diffusion"), ds, "train-diffusion")
	s, _ := newServer(t, f.root, Config{MaxImages: 64})
	h := s.Handler()
	for _, c := range []struct {
		name, method, target, body string
		status                     int
		ctype, param               string
	}{
		{"strip", "GET", "/api/denoise?model=diffusion&seed=3&steps=4", "", 200, "image/png", ""},
		{"the model's own steps", "GET", "/api/denoise?model=diffusion", "", 200, "image/png", ""},
		{"one class, as JSON", "GET", "/api/denoise?model=diffusion&class=4&steps=2&format=json", "", 200, "application/json", ""},
		{"grid in few steps", "GET", "/api/generate?model=diffusion&n=4&steps=3", "", 200, "image/png", ""},
		{"posted steps", "POST", "/api/generate", `{"model": "diffusion", "n": 2, "steps": 2}`, 200, "image/png", ""},
		{"model info", "GET", "/api/model?model=diffusion", "", 200, "application/json", ""},
		{"playground", "GET", "/play?model=diffusion", "", 200, "text/html", ""},

		{"steps zero or less", "GET", "/api/denoise?model=diffusion&steps=-1", "", 400, "application/json", "steps"},
		{"steps beyond the bound", "GET", "/api/denoise?model=diffusion&steps=51", "", 400, "application/json", "steps"},
		{"steps beyond T", "GET", "/api/denoise?model=diffusion&steps=21", "", 400, "application/json", "steps"},
		{"steps not a number", "GET", "/api/denoise?model=diffusion&steps=many", "", 400, "application/json", "steps"},
		{"class out of range", "GET", "/api/denoise?model=diffusion&class=10", "", 400, "application/json", "class"},
		{"bad format", "GET", "/api/denoise?model=diffusion&format=gif", "", 400, "application/json", "format"},
		{"unknown parameter", "GET", "/api/denoise?model=diffusion&n=4", "", 400, "application/json", "n"},
		{"seed twice", "GET", "/api/denoise?model=diffusion&seed=1&seed=2", "", 400, "application/json", "seed"},
		{"no model", "GET", "/api/denoise", "", 400, "application/json", "model"},
		{"a GAN has no denoising steps", "GET", "/api/denoise?model=gan", "", 400, "application/json", "model"},
		{"a VAE has no denoising steps", "GET", "/api/denoise?model=group/cvae", "", 400, "application/json", "model"},
		{"a GAN has no sampling steps", "GET", "/api/generate?model=gan&steps=3", "", 400, "application/json", "steps"},
		{"generate steps beyond the bound", "GET", "/api/generate?model=diffusion&steps=51", "", 400, "application/json", "steps"},
		{"generate steps beyond T", "GET", "/api/generate?model=diffusion&steps=21", "", 400, "application/json", "steps"},
		{"half-written checkpoint", "GET", "/api/denoise?model=broken", "", 422, "application/json", ""},
		{"model dot-dot", "GET", "/api/denoise?model=../outside/run", "", 404, "application/json", ""},
		{"model symlinked", "GET", "/api/denoise?model=linkrun", "", 404, "application/json", ""},
		{"post", "POST", "/api/denoise", `{"model": "diffusion"}`, 405, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := do(h, c.method, c.target, c.body)
			body := rec.Body.String()
			require.Equal(t, c.status, rec.Code, body)
			require.True(t, strings.HasPrefix(rec.Header().Get("Content-Type"), c.ctype), rec.Header().Get("Content-Type"))
			require.NotContains(t, body, secret)
			if c.status >= 400 && strings.HasPrefix(c.ctype, "application/json") {
				var e struct{ Error, Param string }
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
				require.NotEmpty(t, e.Error)
				require.Equal(t, c.param, e.Param)
			}
		})
	}

	var info ModelInfo
	require.NoError(t, json.Unmarshal(do(h, "GET", "/api/model?model=diffusion", "").Body.Bytes(), &info))
	require.Equal(t, diffusion.Kind, info.Kind)
	require.Equal(t, 20, info.Steps, "DDIM's 50 steps, at most T")
	require.Equal(t, 20, info.MaxSteps)

	type images struct {
		Shape  []int
		Images [][]float32
	}
	var strip, grid images
	require.NoError(t, json.Unmarshal(do(h, "GET", "/api/denoise?model=diffusion&seed=5&class=7&steps=4&format=json", "").Body.Bytes(), &strip))
	require.Equal(t, []int{1, 8, 8}, strip.Shape)
	require.Len(t, strip.Images, 5, "the noise and the image after each of 4 steps")
	require.NotEqual(t, strip.Images[0], strip.Images[4])
	require.NoError(t, json.Unmarshal(do(h, "GET", "/api/generate?model=diffusion&seed=5&class=7&steps=4&n=3&format=json", "").Body.Bytes(), &grid))
	require.Equal(t, grid.Images[0], strip.Images[4], "the last step is image 0 of the same generation")
	var fewer images
	require.NoError(t, json.Unmarshal(do(h, "GET", "/api/generate?model=diffusion&seed=5&class=7&steps=1&n=3&format=json", "").Body.Bytes(), &fewer))
	require.NotEqual(t, grid.Images[0], fewer.Images[0], "steps changes the sampler")

	img, err := png.Decode(do(h, "GET", "/api/denoise?model=diffusion&steps=6", "").Body)
	require.NoError(t, err)
	require.Equal(t, 2+7*(8+2), img.Bounds().Dx(), "a strip is one row of steps+1 images")
	require.Equal(t, 2+8+2, img.Bounds().Dy())
}
