//go:build !unix

package regularfile

import "os"

// openFlags are plain on systems without Unix named pipes.
const openFlags = os.O_RDONLY
