package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// Config holds a Server's settings; the zero value of each is its
// documented default.
type Config struct {
	// Root is the folder served: its run folders and checkpoints (default
	// "runs").
	Root string
	// MaxImages bounds the images one generation request draws (default
	// 256).
	MaxImages int
	// MaxBody bounds a request body in bytes (default 4 MiB: a few
	// hundred images as JSON).
	MaxBody int64
	// Timeout bounds the time a request waits for and spends on a
	// generation (default 30 s).
	Timeout time.Duration
	// Workers is the number of generations that run at once (default: the
	// number of CPUs); Queue is how many more may wait for one (default
	// 2×Workers); a request beyond both gets 429.
	Workers, Queue int
	// CacheModels and CacheBytes bound the loaded models kept in memory:
	// their count (default 4) and the sum of their checkpoint files' sizes
	// (default 1 GiB).
	CacheModels int
	CacheBytes  int64
	// ModelMemory is the memory limit of one model, as zoo.LoadWithin
	// takes it (0: the zoo's default).
	ModelMemory int64
	// Log receives the panics recovered in handlers and failed loads
	// (default: the standard logger).
	Log *log.Logger
}

// withDefaults returns c with its zero values replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Root == "" {
		c.Root = "runs"
	}
	if c.MaxImages == 0 {
		c.MaxImages = 256
	}
	if c.MaxBody == 0 {
		c.MaxBody = 4 << 20
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Workers == 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.Queue == 0 {
		c.Queue = 2 * c.Workers
	}
	if c.CacheModels == 0 {
		c.CacheModels = 4
	}
	if c.CacheBytes == 0 {
		c.CacheBytes = 1 << 30
	}
	if c.Log == nil {
		c.Log = log.Default()
	}
	return c
}

// Server serves a root folder's runs and models. Create it with New.
type Server struct {
	cfg     Config
	root    string   // the root folder, absolute, symbolic links resolved
	fsys    *os.Root // the root, for opening files that cannot leave it
	slots   *limiter
	models  *cache
	handler http.Handler
}

// New returns a Server for cfg. The root folder must exist.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if cfg.MaxImages < 1 || cfg.MaxBody < 1 || cfg.Timeout < 0 || cfg.Workers < 1 || cfg.Queue < 0 || cfg.CacheModels < 1 || cfg.CacheBytes < 1 || cfg.ModelMemory < 0 {
		return nil, fmt.Errorf("server: limits must be positive: %+v", cfg)
	}
	abs, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("server: root %s: %w", cfg.Root, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("server: root %s: %w", cfg.Root, err)
	}
	if st, err := os.Stat(real); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("server: root %s is not a folder", cfg.Root)
	}
	fsys, err := os.OpenRoot(real)
	if err != nil {
		return nil, fmt.Errorf("server: root %s: %w", cfg.Root, err)
	}
	s := &Server{cfg: cfg, root: real, fsys: fsys, slots: newLimiter(cfg.Workers, cfg.Queue)}
	s.models = newCache(cfg.CacheModels, cfg.CacheBytes, s.load)
	s.handler = s.routes()
	return s, nil
}

// Close releases the root folder.
func (s *Server) Close() error { return s.fsys.Close() }

// Handler returns the server's HTTP handler:
//
//	GET  /                     the runs page
//	GET  /run?run=R            a run's page
//	GET  /compare?run=A&run=B  runs' curves on shared charts
//	GET  /play?model=M         a checkpoint's playground
//	GET  /files/PATH           a picture or JSON file under the root
//	GET  /api/runs             the runs, with their last scores
//	GET  /api/run?run=R        a run: config, pictures, checkpoints
//	GET  /api/metrics?run=R&from=K   metrics.jsonl records from line K
//	GET  /api/models           the checkpoints under the root
//	GET  /api/model?model=M    a model's kind, shape, classes, latent size
//	GET|POST /api/generate     images from a seed (n, seed, class, format, index, cols)
//	GET  /api/walk             images along a latent path (seed, to, steps, class)
//	POST /api/encode           a VAE's posterior of images
//	POST /api/decode           a VAE's images of latent points
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.pageRuns)
	mux.HandleFunc("GET /run", s.pageRun)
	mux.HandleFunc("GET /compare", s.pageCompare)
	mux.HandleFunc("GET /play", s.pagePlay)
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("GET /files/{path...}", s.serveFile)
	mux.HandleFunc("GET /api/runs", s.apiRuns)
	mux.HandleFunc("GET /api/run", s.apiRun)
	mux.HandleFunc("GET /api/metrics", s.apiMetrics)
	mux.HandleFunc("GET /api/models", s.apiModels)
	mux.HandleFunc("GET /api/model", s.apiModel)
	mux.HandleFunc("GET /api/generate", s.apiGenerate)
	mux.HandleFunc("POST /api/generate", s.apiGenerate)
	mux.HandleFunc("GET /api/walk", s.apiWalk)
	mux.HandleFunc("GET /api/denoise", s.apiDenoise)
	mux.HandleFunc("POST /api/encode", s.apiEncode)
	mux.HandleFunc("POST /api/decode", s.apiDecode)
	return s.recoverPanics(guardPaths(s.limitBodies(mux)))
}

// recoverPanics answers a request whose handler panicked with a 500 and
// logs the panic, so that no request brings the server down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.cfg.Log.Printf("server: panic in %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
				writeError(w, &apiError{status: http.StatusInternalServerError, msg: "internal error (logged by the server)"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBodies bounds every request body to MaxBody bytes.
func (s *Server) limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// guardPaths answers 404 to a URL path with a ".." element or an empty
// one (which the mux would otherwise redirect to a cleaned path), a
// backslash or a percent sign left after decoding, before any route sees
// it.
func guardPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !safeRel(strings.TrimPrefix(r.URL.Path, "/")) || strings.Contains(r.URL.Path, "//") {
			writeError(w, errNotFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// apiError is an error with its HTTP status and, for a bad parameter, the
// parameter's name.
type apiError struct {
	status int
	param  string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

var errNotFound = &apiError{status: http.StatusNotFound, msg: "not found"}

// badParam returns a 400 error naming the parameter.
func badParam(name, format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, param: name, msg: name + ": " + fmt.Sprintf(format, args...)}
}

// writeError writes err as a JSON object {"error": ..., "param": ...}
// with err's status (500 for an error that is not an apiError).
func writeError(w http.ResponseWriter, err error) {
	var e *apiError
	if !errors.As(err, &e) {
		e = &apiError{status: http.StatusInternalServerError, msg: err.Error()}
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		e = &apiError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("the request body is over %d bytes", tooBig.Limit)}
	}
	if e.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	body := map[string]string{"error": e.msg}
	if e.param != "" {
		body["param"] = e.param
	}
	writeJSON(w, e.status, body)
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// readJSON decodes the request body into v, refusing unknown fields and
// trailing data.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		var field *json.UnmarshalTypeError
		if errors.As(err, &field) && field.Field != "" {
			return badParam(field.Field, "want a JSON %s", field.Type)
		}
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			name = strings.Trim(name, `"`)
			return badParam(name, "unknown field")
		}
		return badParam("body", "not a JSON object of the expected form: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badParam("body", "trailing data after the JSON object")
	}
	return nil
}

// Serve answers HTTP requests on ln until ctx is done, then shuts down
// gracefully: it stops accepting connections and waits up to grace for
// the requests in flight. It returns nil after a shutdown caused by ctx.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      s.cfg.Timeout + time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          s.cfg.Log,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(shutdown)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close()
	}
	if serveErr := <-done; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}
