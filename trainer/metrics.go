package trainer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path/filepath"
	"time"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/regularfile"
)

// trainedField names the training time, in seconds, in metrics.jsonl.
const trainedField = "train_s"

// MetricsFile is the name of the metrics file in a run folder.
const MetricsFile = "metrics.jsonl"

// MaxMetricsSize bounds the metrics.jsonl that ReadMetrics reads: far
// above what a run writes (a line of some 200 bytes every Config.LogEvery
// steps), and small enough to hold in memory.
const MaxMetricsSize = 64 << 20

// Record is one line of a run's metrics.jsonl, as Run writes it.
type Record struct {
	Step    int64
	Epoch   float64
	Eval    bool // an evaluation's record ("eval": true)
	Resumed bool // the record a resumed run starts with ("resumed": true)
	// Trained is the training time up to Step, as Config.Time counts it
	// (key "train_s", in seconds). HasTrained is false in the records of
	// runs written before the trainer recorded it.
	Trained    time.Duration
	HasTrained bool
	// Wall is when the record was written ("time"), to the second; zero
	// if the record has none.
	Wall time.Time
	// Values holds the record's other numbers by key: the metrics, and a
	// training record's images_per_s.
	Values map[string]float64
}

// ReadMetrics reads the records of the metrics.jsonl at path. They come
// in the order of the run as it stands: a run resumed from a checkpoint
// older than the last record goes over the steps after it again, and the
// records it replaces (those past the step it resumed from) are left
// out. A last line without its newline, still being written, is left out
// too. Errors name path, and the line of a malformed record; a file that
// is not a regular file or is larger than MaxMetricsSize is refused.
func ReadMetrics(path string) ([]Record, error) {
	f, fi, err := regularfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	defer f.Close()
	if fi.Size() > MaxMetricsSize {
		return nil, fmt.Errorf("trainer: %s: %d bytes, more than the %d a metrics file is read up to", path, fi.Size(), MaxMetricsSize)
	}
	// The file may grow while it is read: read no further than the bound.
	return readRecords(io.LimitReader(f, MaxMetricsSize+1), path)
}

// readRecords reads metrics.jsonl records from r as ReadMetrics does;
// errors name path.
func readRecords(r io.Reader, path string) ([]Record, error) {
	br := bufio.NewReader(r)
	var recs []Record
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if err == io.EOF {
			return recs, nil // a line without its newline is unfinished
		}
		if err != nil {
			return nil, fmt.Errorf("trainer: %s: %w", path, err)
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		rec, err := parseRecord(b)
		if err != nil {
			return nil, fmt.Errorf("trainer: %s: line %d: %w", path, line, err)
		}
		if rec.Resumed {
			for len(recs) > 0 && recs[len(recs)-1].Step > rec.Step {
				recs = recs[:len(recs)-1]
			}
		}
		recs = append(recs, rec)
	}
}

// parseRecord decodes one line of metrics.jsonl.
func parseRecord(line []byte) (Record, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return Record{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if fields == nil {
		return Record{}, errors.New("not a JSON object")
	}
	rec := Record{Values: map[string]float64{}}
	step, ok := fields["step"]
	if !ok {
		return Record{}, errors.New(`no "step"`)
	}
	if err := json.Unmarshal(step, &rec.Step); err != nil || rec.Step < 0 {
		return Record{}, fmt.Errorf(`"step" %s is not a step`, step)
	}
	for key, raw := range fields {
		var err error
		switch key {
		case "step":
		case "eval":
			err = json.Unmarshal(raw, &rec.Eval)
		case "resumed":
			err = json.Unmarshal(raw, &rec.Resumed)
		case "time":
			var s string
			if err = json.Unmarshal(raw, &s); err == nil {
				rec.Wall, err = time.Parse(time.RFC3339, s)
			}
		case "epoch":
			err = json.Unmarshal(raw, &rec.Epoch)
		case trainedField:
			var s float64
			err = json.Unmarshal(raw, &s)
			if err == nil && !(s >= 0 && s < math.MaxInt64/float64(time.Second)) {
				err = errors.New("not a training time")
			}
			rec.Trained, rec.HasTrained = time.Duration(math.Round(s*float64(time.Second))), true
		default:
			// Only numbers are metrics ("changed" holds settings).
			var v float64
			if json.Unmarshal(raw, &v) == nil {
				rec.Values[key] = v
			}
		}
		if err != nil {
			return Record{}, fmt.Errorf("%q %s: %w", key, raw, err)
		}
	}
	return rec, nil
}

// TrainedBefore returns the training time a run had spent when it saved
// checkpoint c, for the run that resumes it ([Config.Trained]). A
// checkpoint of a run with a time budget records it ([TrainedTime]).
// Other runs' checkpoints record no time, so that they stay byte-for-byte
// reproducible: their training time is that of the last record at or
// before the checkpoint's step in metrics.jsonl of the run folder dir.
// Records come every Config.LogEvery steps, at evaluations and at the
// end; a checkpoint saved between two (every Config.CkptEvery steps, or
// on cancellation) misses the training time of the steps since the last
// one. It is 0 when dir has no metrics.jsonl or its records predate the
// training time.
func TrainedBefore(c *checkpoints.Checkpoint, dir string) (time.Duration, error) {
	if _, ok := c.Meta.Extra[trainedKey]; ok {
		return TrainedTime(c)
	}
	recs, err := ReadMetrics(filepath.Join(dir, MetricsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var trained time.Duration
	for _, rec := range recs {
		if rec.Step <= c.Meta.Step && rec.HasTrained {
			trained = rec.Trained
		}
	}
	return trained, nil
}
