package trainer

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/internal/regularfile"
	"github.com/gorgozoo/gorgozoo/internal/regularfile/regularfiletest"
)

// TestRunRefusesSpecialMetricsFile puts a named pipe (and each other kind
// of file that is not a regular file) where metrics.jsonl goes: the run
// must fail at once, naming it, instead of waiting for a reader.
func TestRunRefusesSpecialMetricsFile(t *testing.T) {
	for _, kind := range regularfiletest.Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			out := t.TempDir()
			regularfiletest.Make(t, kind, filepath.Join(out, "metrics.jsonl"))
			m := newFake(10)
			var err error
			regularfiletest.Bounded(t, regularfiletest.AllocLimit, func() {
				_, err = Run(context.Background(), m, testLoader(t, 10), Config{Epochs: 1, Out: out})
			})
			require.ErrorIs(t, err, regularfile.ErrNotRegular)
			require.ErrorContains(t, err, "metrics.jsonl")
			require.Zero(t, m.stepped, "no step before the run folder is usable")
		})
	}
}
