package trainer

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestProgressToNonTerminal: a writer that is not a terminal gets whole
// lines and no redraw codes, the last one ended, however the run stops.
func TestProgressToNonTerminal(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		nanAt int
	}{
		{"epoch ends", Config{Epochs: 2}, 0},
		{"ends mid-epoch", Config{Steps: 25}, 0},
		{"non-finite loss", Config{Epochs: 2}, 14},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			m := newFake(10)
			m.nanAt = tt.nanAt
			tt.cfg.Progress = &out
			_, err := Run(context.Background(), m, testLoader(t, 10), tt.cfg)
			if tt.nanAt > 0 {
				require.ErrorIs(t, err, ErrNonFinite)
			} else {
				require.NoError(t, err)
			}
			s := out.String()
			require.NotEmpty(t, s)
			require.NotContains(t, s, "\r")
			require.NotContains(t, s, "\033")
			require.True(t, strings.HasSuffix(s, "\n"), "the last line is ended: %q", s)
			require.Contains(t, s, "epoch 1/")
		})
	}
}

// TestRedrawnLineEnds: on a terminal, the progress line is redrawn in
// place, an epoch's summary replaces it, and where the run stops the last
// line stays and is ended.
func TestRedrawnLineEnds(t *testing.T) {
	var out bytes.Buffer
	r := &run{cfg: Config{Progress: &out}, m: newFake(10), perEpoch: 10, total: 15, res: &Result{}, redraw: true, now: time.Now}
	ms := []Metric{{Name: "loss", Value: 2}}
	start := time.Now()
	r.progress(10, ms, start, 0)
	r.epochSummary(10, ms, start, 0)
	r.progress(15, ms, start, 0)
	r.endLine()
	r.endLine() // a second end adds nothing
	lines := strings.SplitAfter(out.String(), "\n")
	require.Len(t, lines, 3, "%q", out.String())
	require.True(t, strings.HasPrefix(lines[0], "\r\033[Kepoch 1/2 [====================] 10/10 loss 2 |"), "%q", lines[0])
	require.Contains(t, lines[0], "\r\033[Kepoch 1/2 done: loss 2 |", "the summary replaces the redrawn line")
	require.True(t, strings.HasPrefix(lines[1], "\r\033[Kepoch 2/2 [=========="), "%q", lines[1])
	require.True(t, strings.HasSuffix(lines[1], "\n"), "the last progress line stays, ended: %q", lines[1])
	require.Empty(t, lines[2])
}
