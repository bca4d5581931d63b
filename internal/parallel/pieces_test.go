package parallel

import (
	"sync/atomic"
	"testing"
)

// TestBlocksCoverEachBlockOnce: the pieces of every size of job, small
// (one piece on the caller) or split, are whole runs of blocks that
// together cover each block exactly once.
func TestBlocksCoverEachBlockOnce(t *testing.T) {
	for _, tc := range []struct{ n, size int }{
		{0, 1}, {1, 1}, {100, 1}, {minPiece * 3, 1}, {minPiece*maxPieces*2 + 7, 1}, {64, 784}, {7, minPiece},
	} {
		seen := make([]atomic.Int32, tc.n)
		Blocks(tc.n, tc.size, func(lo, hi int) {
			if lo < 0 || hi > tc.n || lo > hi {
				t.Errorf("n %d, size %d: piece [%d, %d)", tc.n, tc.size, lo, hi)
				return
			}
			for i := lo; i < hi; i++ {
				seen[i].Add(1)
			}
		})
		for i := range seen {
			if c := seen[i].Load(); c != 1 {
				t.Fatalf("n %d, size %d: block %d done %d times", tc.n, tc.size, i, c)
			}
		}
	}
}
