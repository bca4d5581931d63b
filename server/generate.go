package server

import (
	"bytes"
	"cmp"
	"context"
	"image"
	"image/png"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gorgozoo/gorgozoo/visual"
)

// genRequest is a generation request, from the query of a GET or the
// JSON body of a POST. Fields not given keep the defaults of
// defaultGenRequest.
type genRequest struct {
	Model  string `json:"model"`
	N      int    `json:"n"`
	Seed   uint64 `json:"seed"`
	Class  int    `json:"class"`  // −1: a conditional model's classes at random
	Format string `json:"format"` // "png" (a grid, or one image with index) or "json"
	Index  int    `json:"index"`  // −1: every image; i ≥ 0: image i only
	Cols   int    `json:"cols"`   // the grid's columns; 0: a square grid
	Steps  int    `json:"steps"`  // a diffusion model's DDIM steps; 0: the model's own
}

func defaultGenRequest() genRequest {
	return genRequest{N: 16, Seed: 1, Class: -1, Format: "png", Index: -1}
}

// walkRequest is a latent walk: steps images on the great circle from the
// latent point of image 0 of seed to that of image 0 of to.
type walkRequest struct {
	Model  string `json:"model"`
	Seed   uint64 `json:"seed"`
	To     uint64 `json:"to"`
	Steps  int    `json:"steps"`
	Class  int    `json:"class"`
	Format string `json:"format"`
}

// maxWalk bounds the images of a walk.
const maxWalk = 64

func defaultWalkRequest() walkRequest {
	return walkRequest{Seed: 1, To: 2, Steps: 8, Class: -1, Format: "png"}
}

// codeRequest is a VAE encode or decode request.
type codeRequest struct {
	Model  string      `json:"model"`
	Images [][]float32 `json:"images,omitempty"` // encode: images of c×h×w pixels in [0, 1]
	Z      [][]float32 `json:"z,omitempty"`      // decode: latent points
	Labels []int       `json:"labels,omitempty"` // a conditional model's classes, one per image or point
	Format string      `json:"format,omitempty"` // decode: "json" (default) or "png"
}

// fromQuery fills dst, a pointer to a request struct, from the URL query:
// each parameter must be one of the struct's JSON fields, given once.
func fromQuery(q url.Values, fields map[string]any) error {
	for name, values := range q {
		dst, ok := fields[name]
		if !ok {
			return badParam(name, "unknown parameter")
		}
		if len(values) != 1 {
			return badParam(name, "given %d times", len(values))
		}
		v := values[0]
		switch d := dst.(type) {
		case *string:
			*d = v
		case *int:
			n, err := strconv.Atoi(v)
			if err != nil {
				return badParam(name, "want an integer, got %q", v)
			}
			*d = n
		case *uint64:
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return badParam(name, "want an integer in [0, 2^64), got %q", v)
			}
			*d = n
		}
	}
	return nil
}

// checkRange returns a 400 naming name when v is not in [lo, hi].
func checkRange(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return badParam(name, "%d is not in [%d, %d]", v, lo, hi)
	}
	return nil
}

// checkClass checks a class parameter against the model.
func checkClass(name string, class int, m *model) error {
	if class == -1 {
		return nil
	}
	if m.Classes() == 0 {
		return badParam(name, "the model is not class-conditional; give -1 or leave it out")
	}
	return checkRange(name, class, -1, m.Classes()-1)
}

func checkFormat(format string) error {
	if format != "png" && format != "json" {
		return badParam("format", "want png or json, got %q", format)
	}
	return nil
}

// run does f with the loaded model named by name, in a working slot and
// under the server's time limit.
func (s *Server) run(r *http.Request, name string, f func(ctx context.Context, m *model) error) error {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	release, err := s.slots.acquire(ctx)
	if err != nil {
		return timedOut(err, s)
	}
	defer release()
	m, err := s.modelParam(ctx, name)
	if err != nil {
		return timedOut(err, s)
	}
	return timedOut(f(ctx, m), s)
}

func (s *Server) apiGenerate(w http.ResponseWriter, r *http.Request) {
	req := defaultGenRequest()
	var err error
	if r.Method == http.MethodPost {
		err = readJSON(r, &req)
	} else {
		err = fromQuery(r.URL.Query(), map[string]any{"model": &req.Model, "n": &req.N, "seed": &req.Seed,
			"class": &req.Class, "format": &req.Format, "index": &req.Index, "cols": &req.Cols, "steps": &req.Steps})
	}
	if err == nil {
		err = cmp.Or(checkRange("n", req.N, 1, s.cfg.MaxImages), checkFormat(req.Format),
			checkRange("index", req.Index, -1, req.N-1), checkRange("cols", req.Cols, 0, req.N), checkRange("steps", req.Steps, 0, maxSteps))
	}
	if err != nil {
		writeError(w, err)
		return
	}
	err = s.run(r, req.Model, func(ctx context.Context, m *model) error {
		if err := cmp.Or(checkClass("class", req.Class, m), checkSteps(req.Steps, m)); err != nil {
			return err
		}
		gen := m.Model
		if req.Steps > 0 {
			d, err := m.diffusion.WithSampling(m.sampling(req.Steps))
			if err != nil {
				return badParam("steps", "%v", err)
			}
			gen = d
		}
		pixels, err := gen.Generate(ctx, req.N, req.Seed, req.Class)
		if err != nil {
			return err
		}
		n := req.N
		if req.Index >= 0 {
			per := len(pixels) / n
			pixels, n = pixels[req.Index*per:(req.Index+1)*per], 1
		}
		return writeImages(w, m, pixels, n, req.Cols, req.Format, req.Index >= 0)
	})
	if err != nil {
		writeError(w, err)
	}
}

func (s *Server) apiWalk(w http.ResponseWriter, r *http.Request) {
	req := defaultWalkRequest()
	err := fromQuery(r.URL.Query(), map[string]any{"model": &req.Model, "seed": &req.Seed, "to": &req.To,
		"steps": &req.Steps, "class": &req.Class, "format": &req.Format})
	if err == nil {
		err = cmp.Or(checkRange("steps", req.Steps, 2, maxWalk), checkFormat(req.Format))
	}
	if err != nil {
		writeError(w, err)
		return
	}
	err = s.run(r, req.Model, func(ctx context.Context, m *model) error {
		if m.latent == nil {
			return badParam("model", "a %s model has no Gaussian latent space to walk", m.Kind())
		}
		if err := checkClass("class", req.Class, m); err != nil {
			return err
		}
		a, labels, err := m.latent.draws(1, req.Seed, req.Class)
		if err != nil {
			return err
		}
		b, _, err := m.latent.draws(1, req.To, req.Class)
		if err != nil {
			return err
		}
		z := make([]float32, 0, req.Steps*m.latent.dim)
		var ys []int
		for i := range req.Steps {
			z = append(z, Slerp(a, b, float64(i)/float64(req.Steps-1))...)
			if labels != nil {
				ys = append(ys, labels[0])
			}
		}
		pixels, err := m.latent.decode(z, ys)
		if err != nil {
			return err
		}
		return writeImages(w, m, pixels, req.Steps, req.Steps, req.Format, false)
	})
	if err != nil {
		writeError(w, err)
	}
}

// denoiseRequest asks for the first image of seed at every step of a
// diffusion model's sampler.
type denoiseRequest struct {
	Model  string `json:"model"`
	Seed   uint64 `json:"seed"`
	Class  int    `json:"class"`
	Steps  int    `json:"steps"` // DDIM steps; 0: the model's own
	Format string `json:"format"`
}

func (s *Server) apiDenoise(w http.ResponseWriter, r *http.Request) {
	req := denoiseRequest{Seed: 1, Class: -1, Format: "png"}
	err := fromQuery(r.URL.Query(), map[string]any{"model": &req.Model, "seed": &req.Seed, "class": &req.Class,
		"steps": &req.Steps, "format": &req.Format})
	if err == nil {
		err = cmp.Or(checkRange("steps", req.Steps, 0, maxSteps), checkFormat(req.Format))
	}
	if err != nil {
		writeError(w, err)
		return
	}
	err = s.run(r, req.Model, func(ctx context.Context, m *model) error {
		if m.diffusion == nil {
			return badParam("model", "a %s model has no denoising steps: give a diffusion model", m.Kind())
		}
		if err := cmp.Or(checkClass("class", req.Class, m), checkSteps(req.Steps, m)); err != nil {
			return err
		}
		frames, err := m.sampler.Trajectory(ctx, req.Seed, req.Class, m.sampling(req.Steps))
		if err != nil {
			return err
		}
		c, h, wd := m.Shape()
		n := len(frames) / (c * h * wd)
		return writeImages(w, m, frames, n, n, req.Format, false)
	})
	if err != nil {
		writeError(w, err)
	}
}

// Slerp returns the point at t ∈ [0, 1] on the great circle from a to b
// (Shoemake's spherical interpolation), which keeps the norm of Gaussian
// latent points typical along the way where a straight line passes close
// to the origin; nearly parallel points are interpolated linearly.
func Slerp(a, b []float32, t float64) []float32 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	wa, wb := 1-t, t
	if na > 0 && nb > 0 {
		omega := math.Acos(max(-1, min(1, dot/math.Sqrt(na*nb))))
		if so := math.Sin(omega); so > 1e-6 {
			wa, wb = math.Sin((1-t)*omega)/so, math.Sin(t*omega)/so
		}
	}
	out := make([]float32, len(a))
	for i := range a {
		out[i] = float32(wa*float64(a[i]) + wb*float64(b[i]))
	}
	return out
}

func (s *Server) apiEncode(w http.ResponseWriter, r *http.Request) {
	var req codeRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	err := s.run(r, req.Model, func(ctx context.Context, m *model) error {
		if m.vae == nil {
			return badParam("model", "a %s model has no encoder", m.Kind())
		}
		c, h, wd := m.Shape()
		flat, err := flatten("images", req.Images, c*h*wd, s.cfg.MaxImages, 0, 1)
		if err != nil {
			return err
		}
		if err := checkLabels(req.Labels, len(req.Images), m); err != nil {
			return err
		}
		mu, logvar, err := m.vae.Encode(flat, req.Labels)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"mu": rows(mu, len(req.Images)), "logvar": rows(logvar, len(req.Images))})
		return nil
	})
	if err != nil {
		writeError(w, err)
	}
}

func (s *Server) apiDecode(w http.ResponseWriter, r *http.Request) {
	req := codeRequest{Format: "json"}
	if err := readJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if err := checkFormat(req.Format); err != nil {
		writeError(w, err)
		return
	}
	err := s.run(r, req.Model, func(ctx context.Context, m *model) error {
		if m.vae == nil {
			return badParam("model", "a %s model has no decoder of latent points", m.Kind())
		}
		flat, err := flatten("z", req.Z, m.latent.dim, s.cfg.MaxImages, -1e3, 1e3)
		if err != nil {
			return err
		}
		if err := checkLabels(req.Labels, len(req.Z), m); err != nil {
			return err
		}
		pixels, err := m.vae.Decode(flat, req.Labels)
		if err != nil {
			return err
		}
		return writeImages(w, m, pixels, len(req.Z), 0, req.Format, false)
	})
	if err != nil {
		writeError(w, err)
	}
}

// flatten checks that vs holds 1 to most rows of width values in [lo, hi]
// each and returns them one after another.
func flatten(name string, vs [][]float32, width, most int, lo, hi float32) ([]float32, error) {
	if err := checkRange(name+" (count)", len(vs), 1, most); err != nil {
		return nil, err
	}
	flat := make([]float32, 0, len(vs)*width)
	for i, v := range vs {
		if len(v) != width {
			return nil, badParam(name, "row %d has %d values, want %d", i, len(v), width)
		}
		for _, x := range v {
			if !(x >= lo && x <= hi) {
				return nil, badParam(name, "row %d has the value %v, outside [%g, %g]", i, x, lo, hi)
			}
		}
		flat = append(flat, v...)
	}
	return flat, nil
}

// checkLabels checks the labels of n images for the model.
func checkLabels(labels []int, n int, m *model) error {
	if m.Classes() == 0 {
		if labels != nil {
			return badParam("labels", "the model is not class-conditional; leave them out")
		}
		return nil
	}
	if len(labels) != n {
		return badParam("labels", "a conditional model needs one class per row: %d labels for %d rows", len(labels), n)
	}
	for i, y := range labels {
		if y < 0 || y >= m.Classes() {
			return badParam("labels", "label %d is %d, not in [0, %d)", i, y, m.Classes())
		}
	}
	return nil
}

// rows splits flat into n rows.
func rows(flat []float32, n int) [][]float32 {
	return slices.Collect(slices.Chunk(flat, len(flat)/n))
}

// writeImages writes n images of the model's shape as a PNG grid of cols
// columns (0: square), as one PNG image at its own size when alone, or as
// JSON pixels.
func writeImages(w http.ResponseWriter, m *model, pixels []float32, n, cols int, format string, alone bool) error {
	c, h, wd := m.Shape()
	if format == "json" {
		writeJSON(w, http.StatusOK, map[string]any{"shape": []int{c, h, wd}, "images": rows(pixels, n)})
		return nil
	}
	shape := visual.Shape{C: c, H: h, W: wd}
	var img image.Image
	var err error
	if alone {
		img, err = visual.Image(pixels, shape, 0, 1)
	} else {
		img, err = visual.Grid(pixels, n, shape, cols, 0, 1)
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}
