package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// MaxImages bounds every count of images a command draws or measures at
// once (-n, -eval-n): a million MNIST images are 3 GB as float32.
const MaxImages = 1_000_000

// Count requires 1 ≤ v ≤ hi.
func (c *Checks) Count(name string, v int64, hi int64) {
	if c.err == nil && (v < 1 || v > hi) {
		c.err = Usagef("-%s must be from 1 to %d (got %d)", name, hi, v)
	}
}

// Memory is a -max-memory flag: a number of bytes, written as a count
// with an optional unit (B, KiB, MiB, GiB, TiB; KB, MB, GB, TB are taken
// as the binary units too).
type Memory int64

// RegisterMemory adds -max-memory to fs. Its zero value, which the flag
// shows as the library's default, leaves the limit to the library.
func RegisterMemory(fs *flag.FlagSet, m *Memory) {
	fs.Var(m, "max-memory", "the most memory a model (and the images drawn at once) may need, e.g. 16GiB (default 4GiB); larger sizes are refused before anything is allocated")
}

func (m *Memory) String() string {
	if m == nil {
		return ""
	}
	n := int64(*m)
	if n == 0 {
		n = graphs.DefaultMaxMemory
	}
	return strings.ReplaceAll(graphs.FormatBytes(n), " ", "")
}

// Set parses a size such as 4GiB, 512MiB, 1.5GiB or 1000000.
func (m *Memory) Set(s string) error {
	num, scale := strings.TrimSpace(s), 1.0
	upper := strings.ToUpper(num)
	for _, u := range memoryUnits {
		if strings.HasSuffix(upper, u.suffix) {
			num, scale = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.scale
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !(v > 0) || v*scale >= math.MaxInt64 {
		return errors.New("not a positive size such as 8GiB")
	}
	*m = Memory(v * scale)
	return nil
}

// memoryUnits are the suffixes Memory.Set reads, upper case, longest
// first so that "GIB" is not taken for "B".
var memoryUnits = []struct {
	suffix string
	scale  float64
}{
	{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10},
	{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10},
	{"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1},
}

// memoryHint is added to an error that a larger -max-memory would avoid.
func memoryHint(err error) string {
	if errors.Is(err, graphs.ErrMemoryLimit) {
		return " (-max-memory raises the limit)"
	}
	return ""
}

// Bytes returns the limit in bytes for the library: 0 (its default)
// unless the flag was given.
func (m Memory) Bytes() int64 { return int64(m) }

// Budget is a -time flag: a duration such as 10m or 1h30m, recorded in
// config.json as Go spells it ("10m0s"). Its zero value is no limit.
type Budget time.Duration

func (b *Budget) String() string {
	if b == nil || *b == 0 {
		return "0"
	}
	return time.Duration(*b).String()
}

// Set parses a positive duration, or 0 for no limit.
func (b *Budget) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("not a duration such as 10m, 90s or 1h30m: %q", s)
	}
	*b = Budget(d)
	return nil
}

// MarshalJSON writes the duration as Go spells it.
func (b Budget) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(b).String()) }

// UnmarshalJSON reads what MarshalJSON writes.
func (b *Budget) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	return b.Set(s)
}
