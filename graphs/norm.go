package graphs

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// PixelNorm divides each pixel's feature vector of x [batch, c, h, w] by
// its root mean square over the channels: x / √(mean_c x² + 1e-8)
// (Karras et al. 2018). It normalises a generator's activations without
// batch statistics, so sampling computes exactly what training did and a
// checkpoint needs no running means — unlike BatchNorm, whose Gorgonia
// form keeps them outside the graph.
func (b *Builder) PixelNorm(x *G.Node) *G.Node {
	if b.failed(x) {
		return nil
	}
	s := x.Shape()
	if len(s) != 4 {
		b.Fail("pixel norm", fmt.Errorf("want [batch, c, h, w], got %v", s))
		return nil
	}
	ms := b.Reshape(b.Mean(b.Square(x), 1), s[0], 1, s[2], s[3])
	rms := b.Sqrt(b.Add(ms, b.Const(1e-8)))
	if b.failed(rms) {
		return nil
	}
	return b.keep("pixel norm")(G.BroadcastHadamardDiv(x, rms, nil, []byte{1}))
}
