package parallel

import "runtime"

// minPiece is the fewest elements worth a goroutine: an elementwise op
// such as ReLU runs at about a nanosecond per element, handing a chunk to
// another goroutine costs a microsecond or two.
const minPiece = 1 << 14

// maxPieces is the most pieces Pieces and Blocks cut their work into.
const maxPieces = 8

// Pieces calls f on up to 8 contiguous pieces [lo, hi) of n elements,
// spread over the cores. It is for work whose result does not depend on
// the split, such as elementwise arithmetic; small jobs stay on the
// caller's goroutine.
func Pieces(n int, f func(lo, hi int)) { Blocks(n, 1, f) }

// Blocks is Pieces over n blocks of size elements each (the planes of
// feature maps, say): the pieces are runs of whole blocks.
func Blocks(n, size int, f func(lo, hi int)) {
	pieces := min(maxPieces, n, n*size/minPiece)
	if pieces < 2 {
		f(0, n)
		return
	}
	For(pieces, min(runtime.GOMAXPROCS(0), pieces), func(_, j int) {
		f(j*n/pieces, (j+1)*n/pieces)
	})
}
