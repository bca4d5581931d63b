package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/trainer"
)

// TestInherit: a setting the resumed run keeps is inherited when not
// given and an error naming both values when given otherwise.
func TestInherit(t *testing.T) {
	saved := map[string]json.RawMessage{"batch": json.RawMessage(`32`), "data": json.RawMessage(`""`), "digits": json.RawMessage(`"5,6"`), "dry_run": json.RawMessage(`true`)}
	tests := []struct {
		name     string
		r        RunFlags
		fixed    []Fixed
		wantArgs []string
		wantErr  string
	}{
		{"all equal", RunFlags{Batch: 32, Digits: "5,6", DryRun: true}, []Fixed{{"z", "100", "100"}}, nil, ""},
		{"model setting not given", RunFlags{Batch: 32, Digits: "5,6", DryRun: true}, []Fixed{{"z", "100", "64"}}, []string{"-z=100"}, ""},
		{"model setting given", RunFlags{Batch: 32, Digits: "5,6", DryRun: true, given: map[string]bool{"z": true}}, []Fixed{{"z", "100", "64"}}, nil,
			"-z 64, but -resume ck was trained with -z 100, which it keeps"},
		{"model given", RunFlags{Batch: 32, Digits: "5,6", DryRun: true, given: map[string]bool{"model": true}}, []Fixed{{"model", "sagan", "dcgan"}}, nil,
			"-model dcgan, but -resume ck holds a sagan model"},
		{"setting of another architecture", RunFlags{Batch: 32, Digits: "5,6", DryRun: true, given: map[string]bool{"hidden": true}}, []Fixed{{"hidden", "", "400"}}, nil, ""},
		{"data order not given", RunFlags{Batch: 64, DryRun: true, Limit: 7}, nil, []string{"-batch=32", "-digits=5,6", "-limit=0"}, ""},
		{"batch given", RunFlags{Batch: 64, Digits: "5,6", DryRun: true, given: map[string]bool{"batch": true}}, nil, nil,
			"-batch 64, but -resume ck was trained with -batch 32"},
		{"digits given", RunFlags{Batch: 32, Digits: "1", DryRun: true, given: map[string]bool{"digits": true}}, nil, nil,
			"-digits 1, but -resume ck was trained with -digits 5,6"},
		{"data given", RunFlags{Batch: 32, Digits: "5,6", Data: "/elsewhere", DryRun: true, given: map[string]bool{"data": true}}, nil, nil,
			`-data /elsewhere, but -resume ck was trained with -data ""`},
		{"dry run not given", RunFlags{Batch: 32, Digits: "5,6"}, nil, []string{"-dry-run=true"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			r.Resume, r.saved = "ck", saved
			args, err := r.Inherit(tt.fixed, &bytes.Buffer{})
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				var ue *UsageError
				require.ErrorAs(t, err, &ue)
				return
			}
			require.NoError(t, err)
			require.ElementsMatch(t, tt.wantArgs, args)
		})
	}
}

// TestInheritWithoutConfig: without the run's config.json the data order
// cannot be checked, which is said; the model settings still are.
func TestInheritWithoutConfig(t *testing.T) {
	var stdout bytes.Buffer
	r := RunFlags{Resume: "ck", resumeDir: "run", Batch: 64, given: map[string]bool{"z": true}}
	args, err := r.Inherit([]Fixed{{"model", "dcgan", "mlp"}}, &stdout)
	require.NoError(t, err)
	require.Equal(t, []string{"-model=dcgan"}, args)
	require.Contains(t, stdout.String(), "no config.json in run, so -batch, -data, -digits and -limit are taken as given")
	_, err = r.Inherit([]Fixed{{"z", "2", "3"}}, &stdout)
	require.ErrorContains(t, err, "-z 3, but -resume ck was trained with -z 2")
}

// TestRecordChanges: the settings that differ from the run's config.json
// are recorded with both values; where the run is, is not a setting.
func TestRecordChanges(t *testing.T) {
	type options struct {
		RunFlags
		LR float64 `json:"lr"`
	}
	o := options{RunFlags: RunFlags{Epochs: 3, Batch: 32, Out: "b", Resume: "ck", Start: 20, LogEvery: 100}, LR: 1e-4}
	o.saved = map[string]json.RawMessage{"epochs": json.RawMessage(`1`), "batch": json.RawMessage(`32`), "out": json.RawMessage(`"a"`),
		"lr": json.RawMessage(`0.001`), "log_every": json.RawMessage(`100`), "eval_every": json.RawMessage(`0`), "eval_n": json.RawMessage(`0`),
		"steps": json.RawMessage(`0`), "seed": json.RawMessage(`0`), "data": json.RawMessage(`""`), "sample_every": json.RawMessage(`0`),
		"ckpt_every": json.RawMessage(`0`), "keep": json.RawMessage(`0`), "dry_run": json.RawMessage(`false`), "gone": json.RawMessage(`1`)}
	var stdout bytes.Buffer
	require.NoError(t, o.RecordChanges(o, &stdout))
	require.Equal(t, map[string]trainer.Change{
		"epochs": {From: json.RawMessage(`1`), To: json.RawMessage(`3`)},
		"lr":     {From: json.RawMessage(`0.001`), To: json.RawMessage(`0.0001`)},
		"gone":   {From: json.RawMessage(`1`), To: json.RawMessage(nil)},
	}, o.changed)
	require.Contains(t, stdout.String(), "resume: changed epochs 1 → 3, gone 1 → (none), lr 0.001 → 0.0001 (recorded in metrics.jsonl at step 20)")
}

// TestResumeTrainedTime: a resumed run without a time budget counts its
// training time on from the records of its run folder's metrics.jsonl; a
// budgeted run's checkpoint says it itself; a metrics.jsonl that cannot be
// read is an error naming it.
func TestResumeTrainedTime(t *testing.T) {
	tests := []struct {
		name    string
		extra   map[string]string
		metrics string
		want    time.Duration
		err     string
	}{
		{"from metrics.jsonl", nil, `{"step":10,"train_s":4}` + "\n" + `{"step":20,"train_s":8.5}` + "\n" + `{"step":30,"train_s":12}` + "\n", 8500 * time.Millisecond, ""},
		{"older records", nil, `{"step":10}` + "\n", 0, ""},
		{"no metrics.jsonl", nil, "", 0, ""},
		{"budgeted", map[string]string{"trained_time": "1m"}, `{"step":20,"train_s":8.5}` + "\n", time.Minute, ""},
		{"malformed", nil, `{"step":10,"train_s":4}` + "\n" + `{"step":` + "\n", 0, "metrics.jsonl: line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			ckpt := filepath.Join(dir, "checkpoints", "ckpt-000000020.safetensors")
			require.NoError(t, os.MkdirAll(filepath.Dir(ckpt), 0o755))
			c := &checkpoints.Checkpoint{Meta: checkpoints.Meta{Kind: "gan", Step: 20, Extra: tt.extra}}
			require.NoError(t, checkpoints.Save(ckpt, c))
			if tt.metrics != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(tt.metrics), 0o644))
			}
			r := RunFlags{Resume: dir, given: map[string]bool{}}
			_, err := r.OpenResume("gan")
			if tt.err != "" {
				require.ErrorContains(t, err, "-resume "+ckpt)
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, r.trained)
		})
	}
}
