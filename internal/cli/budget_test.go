package cli

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBudgetFlag(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"10m", 10 * time.Minute, false},
		{"1h30m", 90 * time.Minute, false},
		{"0", 0, false},
		{"-5m", 0, true},
		{"ten minutes", 0, true},
		{"10", 0, true}, // a unit is needed
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var b Budget
			err := b.Set(tt.in)
			if tt.err {
				require.ErrorContains(t, err, tt.in)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, time.Duration(b))
			raw, err := json.Marshal(b)
			require.NoError(t, err)
			var back Budget
			require.NoError(t, json.Unmarshal(raw, &back), "%s", raw)
			assert.Equal(t, b, back, "through config.json")
		})
	}
}

func TestResumedBudget(t *testing.T) {
	saved := map[string]json.RawMessage{"time": json.RawMessage(`"10m0s"`)}
	tests := []struct {
		name    string
		flags   RunFlags
		want    time.Duration
		err     string
		printed string
	}{
		{"a new run takes -time", RunFlags{Time: Budget(time.Minute)}, time.Minute, "", ""},
		{"a new run without -time has no budget", RunFlags{}, 0, "", ""},
		{"a resumed run keeps its budget", RunFlags{Resume: "ckpt", saved: saved, trained: 4 * time.Minute, given: map[string]bool{}},
			10 * time.Minute, "", "time budget 10m0s: 4m0s trained before, 6m0s left"},
		{"-time replaces it", RunFlags{Resume: "ckpt", Time: Budget(20 * time.Minute), saved: saved, trained: 4 * time.Minute, given: map[string]bool{"time": true}},
			20 * time.Minute, "", "16m0s left"},
		{"-time 0 lifts it", RunFlags{Resume: "ckpt", saved: saved, trained: 4 * time.Minute, given: map[string]bool{"time": true}}, 0, "", ""},
		{"a spent budget is an error", RunFlags{Resume: "ckpt", saved: saved, trained: 11 * time.Minute, given: map[string]bool{}},
			0, "trained for 11m0s, which spends the time budget of 10m0s", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			got, err := tt.flags.budget(&out)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Contains(t, out.String(), tt.printed)
		})
	}
}
