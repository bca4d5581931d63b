package cli

import (
	"flag"
	"strconv"
	"strings"
)

// IWAE bounds' limits: the most importance samples of one bound, and the
// most bounds of one run.
const (
	maxIWAEK     = 100000
	maxIWAEItems = 8
)

// IWAEFlags are the flags of the importance-weighted (IWAE) bound on a
// VAE's test NLL, the same in every command that measures one.
type IWAEFlags struct {
	IWAEK []int `json:"iwae_k"`
	IWAEN int   `json:"iwae_n"`

	k string // -iwae-k as given, parsed by Check
}

// Register adds -iwae-k and -iwae-n to fs; when says when the bounds are
// computed.
func (f *IWAEFlags) Register(fs *flag.FlagSet, when string) {
	fs.StringVar(&f.k, "iwae-k", "100", "importance samples of the IWAE bound "+when+", comma-separated for several (e.g. 1,50,5000); 0: none")
	fs.IntVar(&f.IWAEN, "iwae-n", 0, "test images the IWAE bound uses (0: all); its cost is k decoder passes per image")
}

// Check parses -iwae-k and validates -iwae-n.
func (f *IWAEFlags) Check(c *Checks) {
	c.NonNegative("iwae-n", int64(f.IWAEN))
	if c.err != nil {
		return
	}
	if s := strings.TrimSpace(f.k); s == "" || s == "0" {
		f.IWAEK = nil
		return
	}
	ks, err := ParseInts("iwae-k", f.k, 1, maxIWAEK)
	if err == nil && len(ks) > maxIWAEItems {
		err = Usagef("-iwae-k: at most %d values, got %d", maxIWAEItems, len(ks))
	}
	f.IWAEK, c.err = ks, err
}

// ParseInts parses a comma-separated list of whole numbers in [lo, hi]
// for flag name.
func ParseInts(name, s string, lo, hi int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < lo || v > hi {
			return nil, Usagef("-%s: %q is not a whole number from %d to %d", name, f, lo, hi)
		}
		out = append(out, v)
	}
	return out, nil
}
