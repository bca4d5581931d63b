package gan

import (
	"fmt"
	"math/rand/v2"

	"github.com/gorgozoo/gorgozoo/graphs"
	"github.com/gorgozoo/gorgozoo/zoo/attention"
)

// attentionBlock is SAGAN's self-attention block with, in a spectrally
// normalised discriminator, every 1×1 convolution normalised too (as the
// official code does).
type attentionBlock struct {
	*attention.Block
	sns []*graphs.SpectralNorm
}

// attentionConfig is SAGAN's block in the authors' code's form: keys and
// values pooled, half the value channels.
var attentionConfig = attention.Config{Pool: true, HalfValues: true}

// newAttention returns the self-attention block of a SAGAN layer in the
// authors' code's form (keys and values pooled, half the value channels).
func newAttention(prefix string, channels int, spectral bool, rng *rand.Rand) (Block, error) {
	blk, err := attention.New(prefix, channels, attentionConfig, rng)
	if err != nil {
		return nil, fmt.Errorf("gan: %w", err)
	}
	a := &attentionBlock{Block: blk}
	if spectral {
		for _, l := range blk.Layers() {
			l.SN = graphs.NewSpectralNorm(l.Weight, rng)
			a.sns = append(a.sns, l.SN)
		}
	}
	return a, nil
}

// SpectralNorms returns the normalisations of the block's layers.
func (a *attentionBlock) SpectralNorms() []*graphs.SpectralNorm { return a.sns }
