package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/atomicfile"
)

// UsageError is a bad flag value: commands print it on one line and exit 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError.
func Usagef(format string, args ...any) error { return &UsageError{Msg: fmt.Sprintf(format, args...)} }

// Checks collects flag checks and reports the first failure.
type Checks struct{ err error }

// Positive requires v ≥ 1.
func (c *Checks) Positive(name string, v int64) {
	if c.err == nil && v < 1 {
		c.err = Usagef("-%s must be at least 1 (got %d)", name, v)
	}
}

// NonNegative requires v ≥ 0.
func (c *Checks) NonNegative(name string, v int64) {
	if c.err == nil && v < 0 {
		c.err = Usagef("-%s must not be negative (got %d)", name, v)
	}
}

// Fraction requires 0 ≤ v < 1.
func (c *Checks) Fraction(name string, v float64) {
	if c.err == nil && !(v >= 0 && v < 1) {
		c.err = Usagef("-%s must be in [0, 1) (got %g)", name, v)
	}
}

// Range requires lo < v ≤ hi for a float flag.
func (c *Checks) Range(name string, v, lo, hi float64) {
	if c.err == nil && !(v > lo && v <= hi) {
		c.err = Usagef("-%s must be in (%g, %g] (got %g)", name, lo, hi, v)
	}
}

// Between requires lo ≤ v ≤ hi for a float flag whose bounds are values a
// user may give, such as 0 for "none".
func (c *Checks) Between(name string, v, lo, hi float64) {
	if c.err == nil && !(v >= lo && v <= hi) {
		c.err = Usagef("-%s must be in [%g, %g] (got %g)", name, lo, hi, v)
	}
}

// Explicit returns a flag's value for a library setting whose zero means
// its default: a flag's 0 is a value the user asked for (no dropout, β =
// 0), which the library's settings spell as a negative number.
func Explicit(v float64) float64 {
	if v == 0 {
		return -1
	}
	return v
}

// Shown returns a library setting as its flag shows it: the negative
// stand-in for zero as 0.
func Shown(v float64) float64 { return max(v, 0) }

// Err returns the first failed check.
func (c *Checks) Err() error { return c.err }

// Parse parses args into fs, turning flag errors (unknown flag, bad number)
// into a UsageError; -h returns flag.ErrHelp.
func Parse(fs *flag.FlagSet, args []string) error {
	rest, err := ParseArgs(fs, args)
	if err == nil && len(rest) > 0 {
		return Usagef("unexpected argument %q (flags start with -; see -h)", rest[0])
	}
	return err
}

// ParseArgs parses args into fs as Parse does, for a command that takes
// arguments after its flags, and returns them.
func ParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &UsageError{Msg: err.Error()}
	}
	return fs.Args(), nil
}

// PrintUsage writes a command's help: a summary, then its flags.
func PrintUsage(w io.Writer, fs *flag.FlagSet, summary string) {
	fmt.Fprintln(w, strings.TrimSpace(summary))
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// Exit maps a command's error to its exit code and prints it on one line:
// 0 for nil, 2 for a UsageError, 130 for an interruption, 1 otherwise.
func Exit(stderr io.Writer, cmd string, err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v%s\n", cmd, err, memoryHint(err))
	var ue *UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "run '%s -h' for the flags\n", cmd)
		return 2
	}
	if errors.Is(err, ErrInterrupted) {
		return 130
	}
	return 1
}

// ErrInterrupted marks a run stopped by SIGINT or SIGTERM.
var ErrInterrupted = errors.New("interrupted")

// ParseDigits parses "5,6,7" into digits 0–9; "" means all.
func ParseDigits(flagName, s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || d < 0 || d > 9 {
			return nil, Usagef("-%s: %q is not a digit 0-9", flagName, f)
		}
		out = append(out, d)
	}
	return out, nil
}

// WriteJSON writes v as indented JSON to path, atomically: a failed
// write leaves the previous file as it was.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(b, '\n'))
}

// CheckpointPath resolves a -ckpt value: a checkpoint file, a run folder
// (its latest checkpoint) or a run's checkpoints folder.
func CheckpointPath(p string) (string, error) {
	if p == "" {
		return "", Usagef("-ckpt is required (a checkpoint file or a run folder)")
	}
	path, err := checkpoints.Resolve(p)
	if err != nil {
		return "", fmt.Errorf("-ckpt %s: %w", p, err)
	}
	return path, nil
}

// OpenCheckpoint resolves p as CheckpointPath does and loads the file,
// returning it with its path.
func OpenCheckpoint(p string) (*checkpoints.Checkpoint, string, error) {
	if _, err := CheckpointPath(p); err != nil {
		return nil, "", err
	}
	return checkpoints.Open(p)
}
