package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gorgozoo/gorgozoo/trainer"
)

// Fixed is a setting a resumed run takes from the run it continues,
// because it defines the model or the order of the data: the flag's name
// (without the dash), its value in the resumed run and its value now,
// both as the flag spells them. Saved is "" when the setting does not
// apply to the resumed model.
type Fixed struct {
	Flag, Saved, Now string
}

// dataSettings are the flags that fix which images a run sees in which
// order, with their keys in config.json. The seed, which fixes the rest,
// is in the checkpoint itself.
var dataSettings = []struct{ flag, key string }{
	{"batch", "batch"}, {"data", "data"}, {"digits", "digits"}, {"limit", "limit"}, {"dry-run", "dry_run"},
}

// notSettings are the keys of config.json's flags that say where a run
// is, not how it trains.
var notSettings = []string{"out", "resume", "start"}

// maxConfigSize bounds the config.json read on resume, far above any that
// a run writes.
const maxConfigSize = 1 << 20

// runFolderOf returns the run folder of a checkpoint file: the folder
// holding its checkpoints/ folder, or its own folder.
func runFolderOf(ckpt string) string {
	dir := filepath.Dir(ckpt)
	if filepath.Base(dir) == "checkpoints" {
		dir = filepath.Dir(dir)
	}
	return dir
}

// savedFlags reads the flags recorded in dir/config.json; nil when there
// is no config.json.
func savedFlags(dir string) (map[string]json.RawMessage, error) {
	path := filepath.Join(dir, "config.json")
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() > maxConfigSize {
		return nil, fmt.Errorf("%s is not a regular file of at most %d bytes", path, maxConfigSize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg struct {
		Flags map[string]json.RawMessage `json:"flags"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if cfg.Flags == nil {
		cfg.Flags = map[string]json.RawMessage{}
	}
	return cfg.Flags, nil
}

// Inherit checks the settings a resumed run cannot change, the command's
// fixed (those that define its model) and the data order recorded in the
// run's config.json: a flag given on the command line with another value
// is a usage error naming both. It returns the flags, as arguments, that
// give the resumed run's values to the settings not given; the command
// parses them before its own arguments.
func (r *RunFlags) Inherit(fixed []Fixed, stdout io.Writer) ([]string, error) {
	if r.saved == nil {
		fmt.Fprintf(stdout, "-resume %s: no config.json in %s, so -batch, -data, -digits and -limit are taken as given\n", r.Resume, r.resumeDir)
	} else {
		now, err := flagJSON(r)
		if err != nil {
			return nil, err
		}
		for _, d := range dataSettings {
			fixed = append(fixed, Fixed{Flag: d.flag, Saved: flagValue(r.saved, now, d.key), Now: flagValue(now, r.saved, d.key)})
		}
	}
	var args []string
	for _, f := range fixed {
		if f.Saved == "" || f.Saved == f.Now {
			continue
		}
		if r.given[f.Flag] {
			if f.Flag == "model" {
				return nil, Usagef("-model %s, but -resume %s holds a %s model; leave -model out", f.Now, r.Resume, f.Saved)
			}
			return nil, Usagef("-%s %s, but -resume %s was trained with -%s %s, which it keeps (it defines the model or the data order); leave -%s out, or start a new run",
				f.Flag, shownValue(f.Now), r.Resume, f.Flag, shownValue(f.Saved), f.Flag)
		}
		args = append(args, "-"+f.Flag+"="+strings.TrimPrefix(f.Saved, emptyValue))
	}
	return args, nil
}

// emptyValue spells an empty string setting in Fixed, where "" means
// "does not apply".
const emptyValue = "\x00"

// shownValue makes an empty setting visible in a message.
func shownValue(v string) string {
	if v == emptyValue {
		return `""`
	}
	return v
}

// flagJSON returns the flags as config.json records them.
func flagJSON(v any) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	return m, json.Unmarshal(b, &m)
}

// flagValue spells the value of key in flags as a flag would take it. A
// key left out (omitempty) has the zero value of its type in other.
func flagValue(flags, other map[string]json.RawMessage, key string) string {
	raw, ok := flags[key]
	if !ok {
		switch o := other[key]; {
		case len(o) > 0 && o[0] == '"':
			return emptyValue
		case len(o) > 0 && (o[0] == 't' || o[0] == 'f'):
			return "false"
		default:
			return "0"
		}
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return emptyValue
		}
		return s
	}
	return string(raw)
}

// RecordChanges compares a resumed run's settings, all (the command's
// options, RunFlags included), with those in the config.json of the run
// it continues, says on stdout which changed, and has Train record them in
// metrics.jsonl at the step the run resumes from.
func (r *RunFlags) RecordChanges(all any, stdout io.Writer) error {
	if r.Resume == "" || r.saved == nil {
		return nil
	}
	now, err := flagJSON(all)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(now)+len(r.saved))
	for k := range now {
		keys = append(keys, k)
	}
	for k := range r.saved {
		if _, ok := now[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	r.changed = map[string]trainer.Change{}
	var said []string
	for _, k := range keys {
		if slices.Contains(notSettings, k) || bytes.Equal(compact(r.saved[k]), compact(now[k])) {
			continue
		}
		r.changed[k] = trainer.Change{From: r.saved[k], To: now[k]}
		said = append(said, fmt.Sprintf("%s %s → %s", k, orNone(r.saved[k]), orNone(now[k])))
	}
	if len(said) > 0 {
		fmt.Fprintf(stdout, "resume: changed %s (recorded in metrics.jsonl at step %d)\n", strings.Join(said, ", "), r.Start)
	}
	return nil
}

func compact(raw json.RawMessage) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func orNone(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "(none)"
	}
	return string(compact(raw))
}

// Given reports whether flag name was on the command line.
func (r *RunFlags) Given(name string) bool { return r.given[name] }

// checkSeed checks a -seed given with -resume against the checkpoint's.
func (r *RunFlags) checkSeed(saved uint64) error {
	if r.given["seed"] && r.Seed != saved {
		return Usagef("-seed %d, but -resume %s was trained with -seed %d, which it keeps (it fixes the data order and the noise); leave -seed out", r.Seed, r.Resume, saved)
	}
	return nil
}

// IntsValue spells a list of sizes as the flags that take one do.
func IntsValue(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}
