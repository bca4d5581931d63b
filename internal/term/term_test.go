package term

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCounterWritesOneLineOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	progress := Counter(&buf, "wrote images", 2)
	for i := 1; i <= 5; i++ {
		progress(i, 5)
	}
	assert.Equal(t, "wrote images: 5/5\n", buf.String())
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, IsTerminal(f), "a regular file")
	assert.False(t, IsTerminal(&bytes.Buffer{}), "a buffer")
	assert.False(t, IsTerminal(nil), "no writer")
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		assert.True(t, IsTerminal(tty), "/dev/tty")
	}
}
