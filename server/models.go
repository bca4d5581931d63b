package server

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/zoo"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// limiter lets at most workers holders work at once, and queue more wait.
type limiter struct {
	admitted chan struct{} // working or waiting
	working  chan struct{}
}

func newLimiter(workers, queue int) *limiter {
	return &limiter{admitted: make(chan struct{}, workers+queue), working: make(chan struct{}, workers)}
}

// errBusy is the answer to a request that finds the queue full.
var errBusy = &apiError{status: http.StatusTooManyRequests, msg: "the server is busy: too many generations running and waiting; retry shortly"}

// acquire waits for a working slot until ctx is done; it fails at once
// with errBusy when the queue is full. Call release when done.
func (l *limiter) acquire(ctx context.Context) (release func(), err error) {
	select {
	case l.admitted <- struct{}{}:
	default:
		return nil, errBusy
	}
	select {
	case l.working <- struct{}{}:
		return func() { <-l.working; <-l.admitted }, nil
	case <-ctx.Done():
		<-l.admitted
		return nil, ctx.Err()
	}
}

// model is a loaded checkpoint with what the playground needs beyond
// zoo.Model.
type model struct {
	zoo.Model
	file   string  // relative to the root
	latent *latent // nil for a model without a Gaussian latent space
	vae    *vae.Inference
	// A diffusion model, and a sampler of its own for the denoising
	// steps; both nil for the other kinds.
	diffusion *zoo.Diffusion
	sampler   *diffusion.Sampler
}

// maxSteps bounds the sampling steps a request asks of a diffusion model:
// at most the default sampler's, so that no request costs more U-Net
// passes per image than a default generation.
const maxSteps = 50

// stepsRange returns the sampling steps a diffusion model takes from a
// request: 1 to hi.
func (m *model) stepsRange() (hi int) {
	return min(maxSteps, m.diffusion.Model.Config.T)
}

// sampling returns the model's sampler settings with steps DDIM steps (0:
// the model's own).
func (m *model) sampling(steps int) diffusion.SampleConfig {
	sc := m.diffusion.Sampling()
	if steps > 0 {
		sc.Steps = steps
	}
	return sc
}

// checkSteps checks a steps parameter (0: the model's own) against the
// model: only a diffusion model takes one.
func checkSteps(steps int, m *model) error {
	if steps == 0 {
		return nil
	}
	if m.diffusion == nil {
		return badParam("steps", "a %s model has no sampling steps; leave it out", m.Kind())
	}
	return checkRange("steps", steps, 1, m.stepsRange())
}

// latent is a model's map from Gaussian latent points to images.
type latent struct {
	dim    int
	draws  func(n int, seed uint64, class int) ([]float32, []int, error)
	decode func(z []float32, labels []int) ([]float32, error)
}

// load opens the checkpoint file (absolute, under the root).
func (s *Server) load(file string) (*model, error) {
	rel, _ := s.rel(file)
	m, err := zoo.LoadWithin(file, s.cfg.ModelMemory)
	if err != nil {
		return nil, &apiError{status: http.StatusUnprocessableEntity, msg: s.hide(fmt.Sprintf("checkpoint %s does not load: %v", rel, err))}
	}
	out := &model{Model: m, file: rel}
	switch m := m.(type) {
	case *zoo.GAN:
		g := gan.NewGenerator(m.Model)
		out.latent = &latent{dim: m.Model.Config.Z, draws: g.Draws, decode: g.FromNoise}
	case *zoo.VAE:
		inf := vae.NewInference(m.Model)
		out.latent = &latent{dim: m.Model.Config.Z, draws: inf.Draws, decode: inf.Decode}
		out.vae = inf
	case *zoo.Diffusion:
		out.diffusion, out.sampler = m, diffusion.NewSampler(m.Model)
	}
	return out, nil
}

// hide removes the root's absolute path from msg: clients know files by
// their path under the root.
func (s *Server) hide(msg string) string {
	return strings.ReplaceAll(msg, s.root+string(filepath.Separator), "")
}

// cache keeps the most recently used models, bounded in count and in the
// bytes of their checkpoint files. Concurrent requests for a model that is
// loading wait for the one load. A failed load is not kept: a checkpoint
// being written is tried again on the next request.
type cache struct {
	mu        sync.Mutex
	entries   map[string]*entry
	lru       *list.List // of *entry, most recent first
	bytes     int64
	maxModels int
	maxBytes  int64
	load      func(file string) (*model, error)
}

type entry struct {
	key   string
	bytes int64
	ready chan struct{} // closed when m or err is set
	m     *model
	err   error
	elem  *list.Element // nil until loaded
}

func newCache(maxModels int, maxBytes int64, load func(string) (*model, error)) *cache {
	return &cache{entries: map[string]*entry{}, lru: list.New(), maxModels: maxModels, maxBytes: maxBytes, load: load}
}

// get returns the model of the checkpoint file (absolute), loading it if
// it is not cached or has changed on disk since.
func (c *cache) get(ctx context.Context, file string) (*model, error) {
	st, err := os.Stat(file)
	if err != nil {
		return nil, errNotFound
	}
	key := fmt.Sprintf("%s\x00%d\x00%d", file, st.Size(), st.ModTime().UnixNano())
	c.mu.Lock()
	e, ok := c.entries[key]
	if ok {
		if e.elem != nil {
			c.lru.MoveToFront(e.elem)
		}
		c.mu.Unlock()
		select {
		case <-e.ready:
			return e.m, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	e = &entry{key: key, bytes: st.Size(), ready: make(chan struct{})}
	c.entries[key] = e
	c.mu.Unlock()

	e.m, e.err = c.load(file)
	c.mu.Lock()
	if e.err != nil {
		delete(c.entries, key)
	} else {
		e.elem = c.lru.PushFront(e)
		c.bytes += e.bytes
		c.evict()
	}
	c.mu.Unlock()
	close(e.ready)
	return e.m, e.err
}

// evict drops the least recently used models beyond the bounds, keeping
// the most recent one whatever its size. Requests still using a dropped
// model finish with it; the memory is freed after them.
func (c *cache) evict() {
	for c.lru.Len() > 1 && (c.lru.Len() > c.maxModels || c.bytes > c.maxBytes) {
		e := c.lru.Remove(c.lru.Back()).(*entry)
		delete(c.entries, e.key)
		c.bytes -= e.bytes
	}
}

// stats returns the number of models cached and their checkpoints' bytes.
func (c *cache) stats() (models int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.bytes
}

// modelParam resolves the checkpoint named by the parameter "model" (a
// checkpoint file or a run folder, whose latest checkpoint it takes) and
// returns it loaded.
func (s *Server) modelParam(ctx context.Context, name string) (*model, error) {
	if name == "" {
		return nil, badParam("model", "give a checkpoint file or run folder under the root")
	}
	file, _, err := s.resolve(name)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(file); err == nil && st.IsDir() {
		latest, err := checkpoints.Resolve(file)
		if err != nil {
			return nil, &apiError{status: http.StatusNotFound, msg: "model: no checkpoint in " + name}
		}
		// The run folder's checkpoint may itself be a link: resolve it
		// again, under the same rules.
		rel, ok := s.rel(latest)
		if !ok {
			return nil, errNotFound
		}
		if file, _, err = s.resolve(rel); err != nil {
			return nil, err
		}
	}
	return s.models.get(ctx, file)
}

// ModelInfo describes a loaded model for the playground and API clients.
type ModelInfo struct {
	Model    string `json:"model"` // the checkpoint file, relative to the root
	Kind     string `json:"kind"`
	Step     int64  `json:"step"`
	Channels int    `json:"channels"`
	Height   int    `json:"height"`
	Width    int    `json:"width"`
	Classes  int    `json:"classes"`
	Latent   int    `json:"latent,omitempty"` // the size of a Gaussian latent space; 0 without one
	Encodes  bool   `json:"encodes"`          // the model has an encoder (/api/encode)
	// A diffusion model's default sampling steps and the most a request
	// may ask for (/api/generate, /api/denoise); 0 for the other kinds.
	Steps    int `json:"steps,omitempty"`
	MaxSteps int `json:"max_steps,omitempty"`
	Config   any `json:"config"`
}

func (m *model) info() ModelInfo {
	c, h, w := m.Shape()
	info := ModelInfo{Model: m.file, Kind: m.Kind(), Step: m.Checkpoint().Meta.Step, Channels: c, Height: h, Width: w,
		Classes: m.Classes(), Encodes: m.vae != nil, Config: m.Config()}
	if m.latent != nil {
		info.Latent = m.latent.dim
	}
	if m.diffusion != nil {
		T := m.diffusion.Model.Config.T
		info.Steps, info.MaxSteps = m.diffusion.Sampling().WithDefaults(T).Steps, m.stepsRange()
	}
	return info
}

func (s *Server) apiModel(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	m, err := s.withSlot(ctx, func() (*model, error) { return s.modelParam(ctx, r.URL.Query().Get("model")) })
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, m.info())
}

// withSlot runs f in a working slot of the limiter.
func (s *Server) withSlot(ctx context.Context, f func() (*model, error)) (*model, error) {
	release, err := s.slots.acquire(ctx)
	if err != nil {
		return nil, timedOut(err, s)
	}
	defer release()
	return f()
}

// timedOut turns a context's error into a 503 naming the time limit.
func timedOut(err error, s *Server) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &apiError{status: http.StatusServiceUnavailable, msg: fmt.Sprintf("the request took more than the server's limit of %v", s.cfg.Timeout)}
	}
	if errors.Is(err, context.Canceled) {
		return &apiError{status: http.StatusServiceUnavailable, msg: "the request was cancelled"}
	}
	return err
}
