package graphs

import (
	"errors"
	"fmt"
	"math"
)

// DefaultMaxMemory is the memory a model may ask for when its
// configuration sets no limit: 4 GiB, several times what the largest
// recipe needs, and far less than a hostile or mistyped size would.
const DefaultMaxMemory int64 = 4 << 30

// Footprint estimates, from a model's configuration alone, what building
// and training it would allocate, so that an absurd size (a hidden layer
// of a billion units, a billion classes) is refused before anything is
// allocated. Counts are float32 values and saturate at math.MaxInt64
// instead of overflowing, so any size a file or a flag can spell gives an
// estimate.
type Footprint struct {
	// Params counts the parameters and buffers, every copy included (a
	// moving average, several discriminators).
	Params int64
	// Activations counts the values one image's forward pass keeps
	// (layer outputs, attention weights).
	Activations int64
	// Scratch counts the values of the convolutions' column buffers,
	// which hold one image's columns (in·k·k per output pixel) per chunk
	// of the batch, whatever its size.
	Scratch int64
}

// convChunks is how many images' columns a convolution holds at once: one
// per chunk of the batch (see Conv2d).
const convChunks = 8

// Linear adds a fully connected layer from in to out units.
func (f *Footprint) Linear(in, out int) {
	f.Params = AddSat(f.Params, AddSat(MulSat(int64(in), int64(out)), int64(out)))
	f.Activations = AddSat(f.Activations, int64(out))
}

// Conv adds a k×k convolution from in to out channels whose output maps
// are h×w.
func (f *Footprint) Conv(in, out, k, h, w int) {
	kk := MulSat(int64(k), int64(k))
	f.Params = AddSat(f.Params, AddSat(MulSat(MulSat(int64(in), int64(out)), kk), int64(out)))
	pixels := MulSat(int64(h), int64(w))
	f.Activations = AddSat(f.Activations, MulSat(pixels, int64(out)))
	f.Scratch = AddSat(f.Scratch, MulSat(pixels, MulSat(int64(in), kk)))
}

// GroupNorm adds a group normalisation of channels maps of h×w pixels: γ
// and β, and its output.
func (f *Footprint) GroupNorm(channels, h, w int) {
	f.Params = AddSat(f.Params, MulSat(2, int64(channels)))
	f.Activations = AddSat(f.Activations, MulSat(int64(channels), MulSat(int64(h), int64(w))))
}

// Values adds n activation values per image, such as an attention map.
func (f *Footprint) Values(n int64) { f.Activations = AddSat(f.Activations, n) }

// Add adds another network's footprint, times copies.
func (f *Footprint) Add(g Footprint, copies int) {
	f.Params = AddSat(f.Params, MulSat(g.Params, int64(copies)))
	f.Activations = AddSat(f.Activations, MulSat(g.Activations, int64(copies)))
	f.Scratch = AddSat(f.Scratch, MulSat(g.Scratch, int64(copies)))
}

// Bytes returns the memory a training step over batch images needs:
// each parameter with its gradient and two Adam moments; each activation
// with its gradient, four times over for the intermediate nodes around a
// layer (bias, activation function, dropout); and the convolutions'
// column buffers, of the forward pass and of the weight gradient.
func (f Footprint) Bytes(batch int) (params, activations int64) {
	params = MulSat(f.Params, 4*4)
	activations = MulSat(MulSat(f.Activations, int64(max(batch, 1))), 4*2*4)
	activations = AddSat(activations, MulSat(f.Scratch, convChunks*2*4))
	return params, activations
}

// Check returns a *MemoryError when a step of batch images would need
// more than limit bytes (0 means DefaultMaxMemory); what names the model
// in the error ("gan", "vae").
func (f Footprint) Check(what string, batch int, limit int64) error {
	if limit <= 0 {
		limit = DefaultMaxMemory
	}
	p, a := f.Bytes(batch)
	if AddSat(p, a) <= limit {
		return nil
	}
	return &MemoryError{What: what, Params: f.Params, ParamBytes: p, ActivationBytes: a, Batch: batch, Limit: limit}
}

// ErrMemoryLimit marks (errors.Is) a size refused because it needs more
// memory than the limit: a *MemoryError, or a count of images to draw.
var ErrMemoryLimit = errors.New("that is more than the memory limit")

// MemoryError is a model too large for the memory limit.
type MemoryError struct {
	What                        string // the model's package: "gan", "vae", …
	Params                      int64  // its parameter count
	ParamBytes, ActivationBytes int64  // what training would need for each
	Batch                       int    // the images of the step estimated
	Limit                       int64  // bytes
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("%s: the model needs %s (%s for %s parameters with their gradients and Adam moments, %s for the activations of %d images), more than the limit of %s",
		e.What, FormatBytes(AddSat(e.ParamBytes, e.ActivationBytes)), FormatBytes(e.ParamBytes), countString(e.Params),
		FormatBytes(e.ActivationBytes), e.Batch, FormatBytes(e.Limit))
}

// Is makes a MemoryError match ErrMemoryLimit.
func (e *MemoryError) Is(target error) bool { return target == ErrMemoryLimit }

// countString writes a count exactly, or as "more than 9e18" once it
// saturated.
func countString(n int64) string {
	if n == math.MaxInt64 {
		return "more than 9e18"
	}
	return fmt.Sprint(n)
}

// FormatBytes writes n bytes in binary units: 512 B, 3.5 MiB, 4 GiB.
func FormatBytes(n int64) string {
	if n == math.MaxInt64 {
		return "more than 8 EiB"
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, i := float64(n), 0
	for v >= 1024 && i+1 < len(units) {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.3g %s", v, units[i])
}

// AddSat returns a+b for non-negative a and b, or math.MaxInt64 when the
// sum overflows. A negative operand counts as 0: sizes are validated as
// positive before they are counted, and a footprint must never shrink.
func AddSat(a, b int64) int64 {
	a, b = max(a, 0), max(b, 0)
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// MulSat returns a·b for non-negative a and b, or math.MaxInt64 when the
// product overflows; a negative operand counts as 0.
func MulSat(a, b int64) int64 {
	a, b = max(a, 0), max(b, 0)
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// SpectralNorm adds the power-iteration buffers of a spectral
// normalisation of a weight with out rows of rest values each.
func (f *Footprint) SpectralNorm(out, rest int64) {
	f.Params = AddSat(f.Params, AddSat(out, rest))
}

// CheckDraw refuses, before anything is drawn, n images whose latent
// vectors (zdim values each), labels and pixels would need more than limit
// bytes (0 means DefaultMaxMemory); what names the model's package.
func CheckDraw(what string, n, zdim, pixels int, limit int64) error {
	if n < 0 {
		return fmt.Errorf("%s: cannot draw %d images", what, n)
	}
	if limit <= 0 {
		limit = DefaultMaxMemory
	}
	perImage := AddSat(MulSat(AddSat(int64(zdim), int64(pixels)), 4), 8)
	if need := MulSat(int64(n), perImage); need > limit {
		return fmt.Errorf("%s: %d images need %s (latent vectors, labels and pixels); %w of %s", what, n, FormatBytes(need), ErrMemoryLimit, FormatBytes(limit))
	}
	return nil
}
