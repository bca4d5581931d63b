package parallel

import (
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
			if !assert.True(t, lo >= 0 && hi <= tc.n && lo <= hi, "n %d, size %d: piece [%d, %d)", tc.n, tc.size, lo, hi) {
				return
			}
			for i := lo; i < hi; i++ {
				seen[i].Add(1)
			}
		})
		for i := range seen {
			require.Equal(t, int32(1), seen[i].Load(), "n %d, size %d: times block %d was done", tc.n, tc.size, i)
		}
	}
}
