package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// LockFile is the name of the file in a run folder that holds the process
// ID of the run writing it.
const LockFile = ".lock"

// runMarkers are the files and folders that make a folder a run folder.
var runMarkers = []string{"config.json", "metrics.jsonl", "checkpoints"}

// Run is a run folder held by this process: its lock file keeps any other
// run from writing to it until Close.
type Run struct {
	Dir     string
	lock    string
	created []string // folders this run created, deepest first
}

// OpenRun takes the run folder r.Out, or a new runs/<prefix>-<time> when
// -o is not given, for this process, and sets r.Out to it.
//
// A new run refuses a folder that already holds a run (config.json,
// metrics.jsonl or checkpoints/), naming -resume as the way to continue
// it; a default folder name already taken gets a numbered sibling
// instead. A resumed run may write only to the folder of the checkpoint
// it continues, or to a new one, and refuses to continue its own folder
// from a checkpoint older than the folder's latest: the rotation of
// checkpoints would delete the newer ones.
//
// The folder is locked with a lock file holding the process ID, created
// only if absent, so that a second run on the same folder fails at start
// naming the holder. A lock whose process has ended is taken over, with a
// message on stdout.
func (r *RunFlags) OpenRun(prefix string, stdout io.Writer) (*Run, error) {
	out, err := r.runDir(prefix)
	if err != nil {
		return nil, err
	}
	run := &Run{Dir: out}
	for dir := out; ; dir = filepath.Dir(dir) {
		if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
			break
		}
		run.created = append(run.created, dir)
		if dir == filepath.Dir(dir) {
			break
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		run.removeCreated()
		return nil, fmt.Errorf("-o %s: cannot create the run folder: %w", out, err)
	}
	if err := run.takeLock(stdout); err != nil {
		run.removeCreated()
		return nil, err
	}
	if err := r.checkNotBehind(out); err != nil {
		run.Close(true)
		return nil, err
	}
	r.Out = out
	return run, nil
}

// runDir returns the folder a run is to write, after the checks that need
// no lock.
func (r *RunFlags) runDir(prefix string) (string, error) {
	if r.Out == "" {
		base := filepath.Join("runs", prefix+"-"+time.Now().Format("20060102-150405"))
		for i := 1; ; i++ {
			out := base
			if i > 1 {
				out = base + "-" + strconv.Itoa(i)
			}
			if _, err := os.Lstat(out); errors.Is(err, fs.ErrNotExist) {
				return out, nil
			}
			if i == 100 {
				return "", fmt.Errorf("run folders %s to %s all exist; give -o", base, out)
			}
		}
	}
	out := r.Out
	if r.resumeDir != "" && sameFolder(out, r.resumeDir) {
		return out, nil
	}
	marker, err := runMarker(out)
	if err != nil {
		return "", fmt.Errorf("-o %s: %w", out, err)
	}
	if marker == "" {
		return out, nil
	}
	if r.Resume != "" {
		return "", Usagef("-o %s already holds another run (it has %s); -resume %s continues in its own folder or a new one", out, marker, r.Resume)
	}
	return "", Usagef("-o %s already holds a run (it has %s); continue it with -resume %s, or give a new folder", out, marker, out)
}

// runMarker returns the first of runMarkers that dir holds, or "" when dir
// does not hold a run (or does not exist).
func runMarker(dir string) (string, error) {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return "", errors.New("is not a folder")
	}
	for _, m := range runMarkers {
		if _, err := os.Lstat(filepath.Join(dir, m)); err == nil {
			return m, nil
		}
	}
	return "", nil
}

// sameFolder reports whether a and b name the same folder.
func sameFolder(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// checkNotBehind refuses to continue a run in out from a checkpoint older
// than the latest one in out/checkpoints.
func (r *RunFlags) checkNotBehind(out string) error {
	if r.Resume == "" {
		return nil
	}
	paths, err := checkpoints.Dir{Path: filepath.Join(out, "checkpoints")}.List()
	if err != nil {
		return err
	}
	for i := len(paths) - 1; i >= 0; i-- {
		step, ok := checkpoints.StepOf(paths[i])
		if !ok || step <= r.Start {
			break
		}
		if sameFile(paths[i], r.Resume) {
			continue
		}
		return Usagef("-resume %s is at step %d, but %s holds a later checkpoint, %s, which continuing there would delete; "+
			"give -o NEW_FOLDER to branch from step %d, or -resume %s to continue from the latest", r.Resume, r.Start, out, filepath.Base(paths[i]), r.Start, out)
	}
	return nil
}

// sameFile reports whether a and b name the same file.
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// takeLock creates the lock file, taking over one left by a process that
// has ended.
func (run *Run) takeLock(stdout io.Writer) error {
	path := filepath.Join(run.Dir, LockFile)
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, err = fmt.Fprintf(f, "%d\n", os.Getpid())
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(path)
				return fmt.Errorf("-o %s: cannot write the lock file: %w", run.Dir, err)
			}
			run.lock = path
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("-o %s: the run folder is not writable: %w", run.Dir, err)
		}
		b, rerr := os.ReadFile(path)
		pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
		if rerr == nil && perr == nil && pid > 0 && processAlive(pid) {
			return fmt.Errorf("-o %s: the run folder is in use by process %d (lock file %s); wait for it to end", run.Dir, pid, path)
		}
		if attempt > 0 {
			return fmt.Errorf("-o %s: cannot take over the lock file %s", run.Dir, path)
		}
		holder := "a process that has ended"
		if perr == nil {
			holder = fmt.Sprintf("process %d, which has ended", pid)
		}
		fmt.Fprintf(stdout, "run folder %s: taking over the lock of %s\n", run.Dir, holder)
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("-o %s: %w", run.Dir, err)
		}
	}
}

// Close releases the run folder. After a failed run it also removes a
// folder this run created when the folder holds no output of training:
// nothing but config.json, empty files and empty folders.
func (run *Run) Close(failed bool) {
	if run.lock != "" {
		os.Remove(run.lock)
		run.lock = ""
	}
	if failed && len(run.created) > 0 && !holdsOutput(run.Dir) {
		os.RemoveAll(run.Dir)
		run.removeCreated()
	}
}

// removeCreated removes the folders OpenRun created, deepest first, as
// long as they are empty.
func (run *Run) removeCreated() {
	for _, dir := range run.created {
		if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return
		}
	}
}

// holdsOutput reports whether dir holds anything a run wrote while
// training, or anything it cannot tell.
func holdsOutput(dir string) bool {
	found := false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path == filepath.Join(dir, "config.json") || path == filepath.Join(dir, LockFile) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() || info.Size() > 0 {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found || err != nil
}
