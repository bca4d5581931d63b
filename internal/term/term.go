package term

import (
	"fmt"
	"io"
	"os"
)

// IsTerminal reports whether w is a character device, such as a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Counter returns a progress callback for done of total items, writing
// what ("decoding DIR", say) and the count to w: every every items
// redrawn in place on a terminal, and once, when done reaches total, as a
// whole line on a terminal or elsewhere.
func Counter(w io.Writer, what string, every int) func(done, total int) {
	redraw := IsTerminal(w)
	return func(done, total int) {
		switch {
		case done == total && redraw:
			fmt.Fprintf(w, "\r%s: %d/%d\n", what, done, total)
		case done == total:
			fmt.Fprintf(w, "%s: %d/%d\n", what, done, total)
		case redraw && every > 0 && done%every == 0:
			fmt.Fprintf(w, "\r%s: %d/%d", what, done, total)
		}
	}
}
