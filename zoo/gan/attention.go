package gan

import (
	"math/rand/v2"
)

// newAttention returns the self-attention block of a SAGAN layer.
func newAttention(prefix string, channels int, spectral bool, rng *rand.Rand) Block {
	return nil // TODO(lead): zoo/attention lands from its branch
}
