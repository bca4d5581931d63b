package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorgozoo/gorgozoo/checkpoints"
)

const (
	// maxDepth is how deep under the root runs and checkpoints are looked
	// for, and maxEntries how many folder entries a listing reads at most:
	// a listing costs a bounded time whatever the root holds.
	maxDepth   = 4
	maxEntries = 20000
	// maxMetrics bounds the bytes of metrics.jsonl read, and maxConfig
	// those of config.json.
	maxMetrics = 64 << 20
	maxConfig  = 1 << 20
)

// RunSummary is one run folder in the list of runs.
type RunSummary struct {
	Run         string             `json:"run"` // the folder, relative to the root
	Command     string             `json:"command,omitempty"`
	Model       string             `json:"model,omitempty"`
	Data        string             `json:"data,omitempty"`
	Epochs      int                `json:"epochs,omitempty"`    // the epochs asked for
	Steps       int64              `json:"steps,omitempty"`     // the steps asked for, when they bound the run instead
	Step        int64              `json:"step"`                // the last step logged
	Epoch       float64            `json:"epoch"`               // the last epoch logged
	Last        map[string]float64 `json:"last,omitempty"`      // the last training scores
	LastEval    map[string]float64 `json:"last_eval,omitempty"` // the last evaluation
	Checkpoints []string           `json:"checkpoints,omitempty"`
	Updated     time.Time          `json:"updated"`
	Training    bool               `json:"training"` // a run holds the folder's lock
}

// RunDetail is a run's page data: its summary, config and pictures.
type RunDetail struct {
	RunSummary
	Config   json.RawMessage      `json:"config,omitempty"`
	Pictures map[string][]Picture `json:"pictures"` // by name: samples, reconstructions, ...
	Plots    []string             `json:"plots"`    // loss.png, eval.png: files under the root
}

// Picture is one saved grid of a run.
type Picture struct {
	File  string `json:"file"`  // relative to the root
	Label string `json:"label"` // "epoch 3", "step 1200"
	Epoch int    `json:"epoch,omitempty"`
	Step  int64  `json:"step,omitempty"`
}

// isRun reports whether the folder dir (absolute) holds a run.
func isRun(dir string) bool {
	for _, marker := range []string{"config.json", "metrics.jsonl"} {
		if st, err := os.Lstat(filepath.Join(dir, marker)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// walk calls visit for each folder under the root down to maxDepth, in
// lexical order, without following symbolic links; a run folder's own
// sub-folders are not visited.
func (s *Server) walk(visit func(dir, rel string, run bool)) {
	entries := 0
	var rec func(dir, rel string, depth int)
	rec = func(dir, rel string, depth int) {
		run := isRun(dir)
		visit(dir, rel, run)
		if run || depth == maxDepth {
			return
		}
		list, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range list {
			entries++
			if entries > maxEntries {
				return
			}
			if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			rec(filepath.Join(dir, e.Name()), path.Join(rel, e.Name()), depth+1)
		}
	}
	rec(s.root, "", 0)
}

// runs lists the run folders under the root.
func (s *Server) runs() []RunSummary {
	var out []RunSummary
	s.walk(func(dir, rel string, run bool) {
		if run {
			out = append(out, s.summary(dir, rel))
		}
	})
	return out
}

// summary describes the run folder dir (absolute, under the root).
func (s *Server) summary(dir, rel string) RunSummary {
	sum := RunSummary{Run: rel}
	if raw, err := s.readSmall(path.Join(rel, "config.json"), maxConfig); err == nil {
		var c struct {
			Command string          `json:"command"`
			Data    string          `json:"data"`
			Flags   json.RawMessage `json:"flags"`
			Model   json.RawMessage `json:"model"`
		}
		if json.Unmarshal(raw, &c) == nil {
			sum.Command, sum.Data = c.Command, c.Data
			var flags struct {
				Epochs int    `json:"epochs"`
				Steps  int64  `json:"steps"`
				Model  string `json:"model"`
			}
			var model struct {
				Arch string `json:"arch"`
			}
			_ = json.Unmarshal(c.Flags, &flags)
			_ = json.Unmarshal(c.Model, &model)
			sum.Epochs, sum.Model = flags.Epochs, cmp.Or(model.Arch, flags.Model)
			if flags.Steps > 0 {
				sum.Epochs, sum.Steps = 0, flags.Steps
			}
		}
	}
	records, _ := s.metrics(rel, 0)
	for _, r := range records {
		var values map[string]any
		if json.Unmarshal(r, &values) != nil || values["resumed"] == true {
			continue
		}
		scores := map[string]float64{}
		for k, v := range values {
			if f, ok := v.(float64); ok {
				scores[k] = f
			}
		}
		if st, ok := scores["step"]; ok {
			sum.Step = int64(st)
		}
		if ep, ok := scores["epoch"]; ok {
			sum.Epoch = ep
		}
		delete(scores, "step")
		delete(scores, "epoch")
		delete(scores, "train_s") // the training time: where, not how well
		if values["eval"] == true {
			sum.LastEval = scores
		} else {
			delete(scores, "images_per_s")
			sum.Last = scores
		}
	}
	if paths, err := (checkpoints.Dir{Path: filepath.Join(dir, "checkpoints")}).List(); err == nil {
		for _, p := range paths {
			sum.Checkpoints = append(sum.Checkpoints, path.Join(rel, "checkpoints", filepath.Base(p)))
		}
	}
	for _, name := range []string{"metrics.jsonl", "config.json"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.ModTime().After(sum.Updated) {
			sum.Updated = st.ModTime()
		}
	}
	_, err := os.Lstat(filepath.Join(dir, ".lock"))
	sum.Training = err == nil
	return sum
}

// metrics returns the complete records (lines ending in a newline) of a
// run's metrics.jsonl from line from on: a line being written is left for
// the next call.
func (s *Server) metrics(run string, from int) ([]json.RawMessage, int) {
	raw, err := s.readSmall(path.Join(run, "metrics.jsonl"), maxMetrics)
	if err != nil {
		return nil, from
	}
	var out []json.RawMessage
	line := 0
	for len(raw) > 0 {
		end := bytes.IndexByte(raw, '\n')
		if end < 0 {
			break
		}
		rec := bytes.TrimSpace(raw[:end])
		raw = raw[end+1:]
		if line >= from && json.Valid(rec) && len(rec) > 0 && rec[0] == '{' {
			out = append(out, json.RawMessage(rec))
		}
		line++
	}
	return out, max(line, from)
}

// picturePattern matches the grids a run saves in samples/.
var picturePattern = regexp.MustCompile(`^(.+)-(epoch|step)-(\d+)\.png$`)

// detail returns the run folder rel's page data.
func (s *Server) detail(dir, rel string) RunDetail {
	d := RunDetail{RunSummary: s.summary(dir, rel), Pictures: map[string][]Picture{}}
	if raw, err := s.readSmall(path.Join(rel, "config.json"), maxConfig); err == nil && json.Valid(raw) {
		d.Config = raw
	}
	if list, err := os.ReadDir(filepath.Join(dir, "samples")); err == nil {
		for _, e := range list[:min(len(list), maxEntries)] {
			m := picturePattern.FindStringSubmatch(e.Name())
			if m == nil || !e.Type().IsRegular() {
				continue
			}
			n, _ := strconv.ParseInt(m[3], 10, 64)
			p := Picture{File: path.Join(rel, "samples", e.Name()), Label: m[2] + " " + strconv.FormatInt(n, 10)}
			if m[2] == "epoch" {
				p.Epoch = int(n)
			} else {
				p.Step = n
			}
			d.Pictures[m[1]] = append(d.Pictures[m[1]], p)
		}
	}
	for name, ps := range d.Pictures {
		// A step grid's epoch is unknown from its name: step grids come
		// first, in step order, then the epoch grids in epoch order.
		slices.SortFunc(ps, func(a, b Picture) int {
			return cmp.Or(cmp.Compare(a.Epoch, b.Epoch), cmp.Compare(a.Step, b.Step))
		})
		d.Pictures[name] = ps
	}
	for _, plot := range []string{"loss.png", "eval.png"} {
		if st, err := os.Lstat(filepath.Join(dir, plot)); err == nil && st.Mode().IsRegular() {
			d.Plots = append(d.Plots, path.Join(rel, plot))
		}
	}
	return d
}

// runParam resolves the run named by the request's parameter "run".
func (s *Server) runParam(r *http.Request) (dir, rel string, err error) {
	name := r.URL.Query().Get("run")
	if name == "" {
		return "", "", badParam("run", "give a run folder under the root")
	}
	dir, rel, err = s.resolve(name)
	if err != nil {
		return "", "", err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() || !isRun(dir) {
		return "", "", errNotFound
	}
	return dir, rel, nil
}

func (s *Server) apiRuns(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"runs": orEmpty(s.runs())})
}

func (s *Server) apiRun(w http.ResponseWriter, r *http.Request) {
	dir, rel, err := s.runParam(r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.detail(dir, rel))
}

func (s *Server) apiMetrics(w http.ResponseWriter, r *http.Request) {
	_, rel, err := s.runParam(r)
	if err != nil {
		writeError(w, err)
		return
	}
	from := 0
	if v := r.URL.Query().Get("from"); v != "" {
		if from, err = strconv.Atoi(v); err != nil || from < 0 {
			writeError(w, badParam("from", "want a line number ≥ 0, got %q", v))
			return
		}
	}
	records, next := s.metrics(rel, from)
	writeJSON(w, http.StatusOK, map[string]any{"run": rel, "records": orEmpty(records), "next": next})
}

// ModelFile is one checkpoint under the root.
type ModelFile struct {
	Model   string    `json:"model"`         // the file, relative to the root
	Run     string    `json:"run,omitempty"` // the run folder holding it
	Command string    `json:"command,omitempty"`
	Step    int64     `json:"step"`
	Bytes   int64     `json:"bytes"`
	Updated time.Time `json:"updated"`
}

// modelFiles lists the checkpoints under the root: each run's
// checkpoints and any other .safetensors file.
func (s *Server) modelFiles() []ModelFile {
	var out []ModelFile
	add := func(file, run, command string) {
		st, err := os.Stat(file)
		if err != nil || !st.Mode().IsRegular() {
			return
		}
		real, err := filepath.EvalSymlinks(file)
		if err != nil {
			return
		}
		rel, ok := s.rel(real)
		if !ok {
			return
		}
		step, _ := checkpoints.StepOf(file)
		out = append(out, ModelFile{Model: rel, Run: run, Command: command, Step: step, Bytes: st.Size(), Updated: st.ModTime()})
	}
	s.walk(func(dir, rel string, run bool) {
		if run {
			sum := s.summary(dir, rel)
			paths, _ := checkpoints.Dir{Path: filepath.Join(dir, "checkpoints")}.List()
			for _, p := range paths {
				add(p, rel, sum.Command)
			}
			return
		}
		list, _ := os.ReadDir(dir)
		for _, e := range list[:min(len(list), maxEntries)] {
			if strings.HasSuffix(e.Name(), ".safetensors") && !e.IsDir() {
				add(filepath.Join(dir, e.Name()), "", "")
			}
		}
	})
	slices.SortFunc(out, func(a, b ModelFile) int { return strings.Compare(a.Model, b.Model) })
	return out
}

func (s *Server) apiModels(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"models": orEmpty(s.modelFiles())})
}

// orEmpty returns s, or an empty slice for nil, so that JSON shows [].
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
