package cli

import (
	"flag"
	"slices"
	"strings"

	"github.com/gorgozoo/gorgozoo/zoo"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
)

// SamplingFlags choose how a diffusion model draws images: -sampler, the
// DDIM steps, -eta and -guidance. Their defaults are the sampler's
// (DDIM, 50 steps, η = 1, no guidance); -eta 0 is the deterministic
// sampler.
type SamplingFlags struct {
	Sampler  string  `json:"sampler,omitempty"`
	Steps    int     `json:"sample_steps,omitempty"`
	Eta      float64 `json:"eta"`
	Guidance float64 `json:"guidance,omitempty"`

	stepsFlag string
	given     []string // the flags on the command line, for Apply
}

// Register adds the flags to fs; the DDIM steps are the flag stepsFlag
// ("steps" in the sampling commands, "sample-steps" where -steps counts
// training steps).
func (s *SamplingFlags) Register(fs *flag.FlagSet, stepsFlag string) {
	s.stepsFlag = stepsFlag
	fs.StringVar(&s.Sampler, "sampler", diffusion.DDIM, "diffusion models: "+strings.Join(diffusion.Methods, " or ")+" (ddpm takes all T steps)")
	fs.IntVar(&s.Steps, stepsFlag, 0, "diffusion models: DDIM steps, spread over the T steps (0: 50, or T if fewer)")
	fs.Float64Var(&s.Eta, "eta", 1, "diffusion models: DDIM's η, from 0 (deterministic: one image per noise) to 1 (DDPM's variance, fresh noise at each step)")
	fs.Float64Var(&s.Guidance, "guidance", 0, "conditional diffusion models: classifier-free guidance scale w, ε = (1+w)·ε(x,y) − w·ε(x,∅) (0: none)")
}

// Check validates the flags' ranges and remembers which were given; call
// it after parsing fs.
func (s *SamplingFlags) Check(fs *flag.FlagSet, c *Checks) {
	s.given = nil
	fs.Visit(func(f *flag.Flag) {
		if slices.Contains([]string{"sampler", s.stepsFlag, "eta", "guidance"}, f.Name) {
			s.given = append(s.given, f.Name)
		}
	})
	if c.err == nil && !slices.Contains(diffusion.Methods, s.Sampler) {
		c.err = Usagef("-sampler must be one of %s (got %q)", strings.Join(diffusion.Methods, ", "), s.Sampler)
	}
	c.NonNegative(s.stepsFlag, int64(s.Steps))
	c.Between("eta", s.Eta, 0, 1)
	c.Between("guidance", s.Guidance, 0, 1000)
}

// Given returns the sampling flags given on the command line.
func (s *SamplingFlags) Given() []string { return s.given }

// Config returns the sampler settings the flags ask for.
func (s *SamplingFlags) Config() diffusion.SampleConfig {
	eta := s.Eta
	if eta == 0 {
		eta = -1 // SampleConfig's η = 0
	}
	return diffusion.SampleConfig{Method: s.Sampler, Steps: s.Steps, Eta: eta, Guidance: s.Guidance}
}

// Apply returns m drawing with the flags' settings when it is a diffusion
// model. For other kinds, which have no such settings, a flag given on the
// command line is an error rather than silently ignored.
func (s *SamplingFlags) Apply(m zoo.Model) (zoo.Model, error) {
	d, ok := m.(*zoo.Diffusion)
	if !ok {
		if len(s.given) > 0 {
			return nil, Usagef("-%s applies to diffusion models only; this checkpoint holds a %s", s.given[0], m.Kind())
		}
		return m, nil
	}
	d, err := d.WithSampling(s.Config())
	if err != nil {
		return nil, Usagef("%v", err)
	}
	return d, nil
}
