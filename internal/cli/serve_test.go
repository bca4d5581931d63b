package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestServe: -serve serves the run's parent folder while the run lasts and
// prints the run page's address; without -serve nothing listens.
func TestServe(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs", "gan-1")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"command": "train-gan"}`), 0o644))

	var stdout, stderr bytes.Buffer
	stop, err := Serve(context.Background(), "", dir, &stdout, &stderr)
	require.NoError(t, err)
	stop()
	require.Empty(t, stdout.String())

	stop, err = Serve(context.Background(), "127.0.0.1:0", dir, &stdout, &stderr)
	require.NoError(t, err)
	page, ok := strings.CutPrefix(strings.TrimSpace(stdout.String()), "watch the run at ")
	require.True(t, ok, stdout.String())
	require.True(t, strings.HasSuffix(page, "/run?run=gan-1"), page)
	res, err := http.Get(page)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	stop()
	_, err = http.Get(page)
	require.Error(t, err, "the server stops with the run")
	require.Empty(t, stderr.String())

	_, err = Serve(context.Background(), "not an address", dir, &stdout, &stderr)
	require.ErrorContains(t, err, "-serve not an address")
}
