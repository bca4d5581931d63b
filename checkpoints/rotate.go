package checkpoints

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gorgozoo/gorgozoo/internal/atomicfile"
)

// ErrNoCheckpoint is returned, wrapped, by Dir.Latest when the folder holds
// no checkpoint, so that a trainer can tell "start fresh" from a failure.
var ErrNoCheckpoint = errors.New("no checkpoint found")

// defaultKeep is how many checkpoints a Dir keeps when Keep is 0: enough to
// fall back past one bad save, few enough not to fill a disk.
const defaultKeep = 3

const (
	ckptPrefix = "ckpt-"
	ckptSuffix = ".safetensors"
)

// Dir is a folder of checkpoints named ckpt-<step>.safetensors, of which
// only the most recent Keep are kept. It assumes a single writer: Save
// deletes leftover temporary files, which would break a concurrent save
// (the training commands lock their run folder for this).
type Dir struct {
	Path string
	Keep int // 0 means 3
}

// Save writes c as <Path>/ckpt-<step>.safetensors, the step zero-padded to
// nine digits so that names also sort in step order in a file listing, then
// deletes all but the Keep checkpoints with the highest steps and any
// temporary files left by an interrupted save. The folder is created if
// needed.
//
// The file just written is never deleted, even when its step is lower than
// those of Keep other checkpoints. If pruning fails after a successful save,
// Save returns the new file's path together with the error.
func (d Dir) Save(c *Checkpoint) (string, error) {
	keep, err := d.keep()
	if err != nil {
		return "", err
	}
	if c == nil {
		return "", fmt.Errorf("checkpoints: %s: nil checkpoint", d.Path)
	}
	if c.Meta.Step < 0 {
		return "", fmt.Errorf("checkpoints: %s: negative step %d", d.Path, c.Meta.Step)
	}
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return "", fmt.Errorf("checkpoints: %s: %w", d.Path, unwrapPath(err))
	}
	path := filepath.Join(d.Path, fmt.Sprintf("%s%09d%s", ckptPrefix, c.Meta.Step, ckptSuffix))
	if err := Save(path, c); err != nil {
		return "", err
	}
	if err := d.prune(path, keep); err != nil {
		return path, fmt.Errorf("checkpoints: %s: saved %s, but pruning old files failed: %w", d.Path, filepath.Base(path), err)
	}
	return path, nil
}

// Latest returns the path of the checkpoint with the highest step, or an
// error wrapping ErrNoCheckpoint if there is none (including when the
// folder does not exist yet).
func (d Dir) Latest() (string, error) {
	paths, err := d.List()
	if err != nil {
		return "", err
	}
	if len(paths) == 0 {
		return "", fmt.Errorf("checkpoints: %s: %w", d.Path, ErrNoCheckpoint)
	}
	return paths[len(paths)-1], nil
}

// List returns the paths of the checkpoints in the folder, lowest step
// first. Files with other names, including temporary files of an
// interrupted save, are not checkpoints and are left out. A folder that
// does not exist holds no checkpoints.
func (d Dir) List() ([]string, error) {
	if d.Path == "" {
		return nil, errors.New("checkpoints: Dir with an empty Path")
	}
	entries, err := os.ReadDir(d.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %s: %w", d.Path, unwrapPath(err))
	}
	type found struct {
		name string
		step int64
	}
	var files []found
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if step, ok := parseCkptName(e.Name()); ok {
			files = append(files, found{e.Name(), step})
		}
	}
	// By step, not by name: steps past 999,999,999 have more digits and
	// would sort wrongly as strings.
	slices.SortFunc(files, func(a, b found) int {
		return cmp.Or(cmp.Compare(a.step, b.step), strings.Compare(a.name, b.name))
	})
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(d.Path, f.name)
	}
	return paths, nil
}

func (d Dir) keep() (int, error) {
	switch {
	case d.Path == "":
		return 0, errors.New("checkpoints: Dir with an empty Path")
	case d.Keep < 0:
		return 0, fmt.Errorf("checkpoints: %s: Keep is %d, must not be negative", d.Path, d.Keep)
	case d.Keep == 0:
		return defaultKeep, nil
	}
	return d.Keep, nil
}

// prune deletes old checkpoints beyond keep, sparing justSaved, and stale
// temporary files. It carries on past failures so that one undeletable
// file does not stop the rest from being cleaned up.
func (d Dir) prune(justSaved string, keep int) error {
	var errs []error
	paths, err := d.List()
	if err != nil {
		return err
	}
	if len(paths) > keep {
		for _, p := range paths[:len(paths)-keep] {
			if p == justSaved {
				continue
			}
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	entries, err := os.ReadDir(d.Path)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, e := range entries {
		if !isTempName(e.Name()) || e.IsDir() {
			continue
		}
		if err := os.Remove(filepath.Join(d.Path, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// StepOf returns the step in the name of a checkpoint file that a Dir
// writes, ckpt-<step>.safetensors, and whether path has such a name.
func StepOf(path string) (int64, bool) { return parseCkptName(filepath.Base(path)) }

// parseCkptName extracts the step from a name like ckpt-000000042.safetensors.
func parseCkptName(name string) (int64, bool) {
	digits, ok := strings.CutPrefix(name, ckptPrefix)
	if !ok {
		return 0, false
	}
	digits, ok = strings.CutSuffix(digits, ckptSuffix)
	if !ok || digits == "" {
		return 0, false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	step, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, false
	}
	return step, true
}

// isTempName recognises the temporary files that Save creates for
// checkpoints in a Dir.
func isTempName(name string) bool {
	target, ok := atomicfile.Target(name)
	if !ok {
		return false
	}
	_, isCkpt := parseCkptName(target)
	return isCkpt
}
