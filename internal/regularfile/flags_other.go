//go:build !unix

package regularfile

// nonBlock is empty on systems without Unix named pipes.
const nonBlock = 0
