package server

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed assets
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"short": func(s string, n int) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n-1]) + "…"
		}
		return s
	},
	"scores": func(m map[string]float64) string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %.4g", k, m[k])
		}
		return strings.Join(parts, " · ")
	},
	"mib":    func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) },
	"minus1": func(n int) int { return n - 1 },
	"atMost": func(most, n int) int { return min(most, n) },
	"last":   func(ps []Picture) Picture { return ps[len(ps)-1] },
	"seq": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	},
}).ParseFS(assets, "assets/templates/*.html"))

// staticHandler serves the pages' style sheet and scripts.
func staticHandler() http.Handler {
	sub, err := fs.Sub(assets, "assets/static")
	if err != nil {
		panic(err)
	}
	return http.StripPrefix("/static/", http.FileServerFS(sub))
}

// pageData is what every page template gets.
type pageData struct {
	Page, Title, Root, Error string
	Runs                     []RunSummary
	Models                   []ModelFile
	Run                      *RunDetail
	Compare                  []string
	Model                    *ModelInfo
}

// render writes the page template name with d; an error renders the error
// page with its status instead.
func (s *Server) render(w http.ResponseWriter, name string, d pageData, err error) {
	d.Root = filepath.Base(s.cfg.Root)
	status := http.StatusOK
	if err != nil {
		var e *apiError
		if !errors.As(err, &e) {
			e = &apiError{status: http.StatusInternalServerError, msg: err.Error()}
		}
		name, status, d.Error = "error", e.status, e.msg
		if d.Title == "" || status == http.StatusNotFound {
			d.Title = http.StatusText(status)
		}
	}
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, d); err != nil {
		s.cfg.Log.Printf("server: page %s: %v", name, err)
		writeError(w, &apiError{status: http.StatusInternalServerError, msg: "the page could not be drawn (logged by the server)"})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) pageRuns(w http.ResponseWriter, r *http.Request) {
	s.render(w, "runs", pageData{Page: "runs", Title: "Runs", Runs: s.runs(), Models: s.modelFiles()}, nil)
}

func (s *Server) pageRun(w http.ResponseWriter, r *http.Request) {
	dir, rel, err := s.runParam(r)
	d := pageData{Page: "run", Title: "Run " + rel}
	if err == nil {
		detail := s.detail(dir, rel)
		d.Run = &detail
	}
	s.render(w, "run", d, err)
}

func (s *Server) pageCompare(w http.ResponseWriter, r *http.Request) {
	d := pageData{Page: "compare", Title: "Compare runs"}
	var err error
	for _, name := range r.URL.Query()["run"] {
		dir, rel, e := s.resolve(name)
		if e != nil || !isRun(dir) {
			err = &apiError{status: http.StatusNotFound, msg: fmt.Sprintf("run %q: no such run folder under the root", name)}
			break
		}
		d.Compare = append(d.Compare, rel)
	}
	if err == nil && len(d.Compare) == 0 {
		err = badParam("run", "check one or more runs to compare")
	}
	s.render(w, "compare", d, err)
}

func (s *Server) pagePlay(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("model")
	d := pageData{Page: "play", Title: "Playground " + name}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	m, err := s.withSlot(ctx, func() (*model, error) { return s.modelParam(ctx, name) })
	if err == nil {
		info := m.info()
		d.Model = &info
	} else {
		d.Title = "Cannot open " + name
	}
	s.render(w, "play", d, err)
}
