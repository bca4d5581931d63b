package graphs

import (
	"sync"

	G "gorgonia.org/gorgonia"
)

// buildMu serialises the Gorgonia constructors that write package-level
// state. Rectify, Conv2d and MaxPool2D each take a fresh id from an
// unsynchronised global counter (internal/encoding.NewGroup, used to group
// nodes in graph drawings), so two goroutines building graphs at once (two
// callers of a concurrent inference pool whose pool is empty) race on it;
// the race detector caught it in the classifier's inference pool.
var buildMu sync.Mutex

// serialised runs one such constructor under buildMu.
func serialised(build func() (*G.Node, error)) (*G.Node, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	return build()
}
