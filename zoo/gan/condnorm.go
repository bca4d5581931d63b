package gan

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/gorgozoo/gorgozoo/graphs"
)

// ClassNorm gives each class its own gain γ and bias β per channel, applied
// after a normalisation: x·γ[y] + β[y] on maps [batch, c, h, w], as
// BigGAN's conditional BatchNorm does after its batch statistics, or on
// features [batch, c]. A conditional [ConvGenerator] puts one after each
// PixelNorm, and an MLP generator with [GCondNorm] one after each hidden
// layer, so that the label acts on every stage, not on the first layer's
// input alone. γ starts at 1 and β at 0: an untrained ClassNorm passes
// its input through.
type ClassNorm struct {
	Gamma *graphs.Param // [classes, c]
	Beta  *graphs.Param // [classes, c]
}

// NewClassNorm returns the gains and biases of classes classes for
// channels channels, named prefix.gamma and prefix.beta.
func NewClassNorm(prefix string, classes, channels int) *ClassNorm {
	n := &ClassNorm{Gamma: graphs.NewParam(prefix+".gamma", classes, channels), Beta: graphs.NewParam(prefix+".beta", classes, channels)}
	for i := range n.Gamma.Float32s() {
		n.Gamma.Float32s()[i] = 1
	}
	return n
}

// Params returns γ, then β.
func (n *ClassNorm) Params() graphs.Params { return graphs.Params{n.Gamma, n.Beta} }

// Forward returns x·γ[y] + β[y] for maps x [batch, c, h, w] or features
// x [batch, c] and one-hot (or any mixing) labels y [batch, classes].
//
// The gain reaches every pixel through a fixed 0/1 matrix that repeats
// each channel's value over its h·w pixels, applied to the classes' gains
// (classes rows) before they are picked by y: the graphs have no product
// broadcasting a [batch, c] tensor over maps, and this one costs about a
// tenth of the stage's convolution.
func (n *ClassNorm) Forward(b *graphs.Builder, x, y *G.Node) *G.Node {
	if b.Err() != nil {
		return nil
	}
	if x == nil || y == nil || (x.Dims() != 4 && x.Dims() != 2) {
		b.Fail("class norm", fmt.Errorf("want maps [batch, c, h, w] or features [batch, c], and labels"))
		return nil
	}
	s := x.Shape()
	batch, c := s[0], s[1]
	classes := n.Gamma.Shape()[0]
	if n.Gamma.Shape()[1] != c || !y.Shape().Eq([]int{batch, classes}) {
		b.Fail("class norm", fmt.Errorf("%d channels and %d classes for input %v and labels %v", n.Gamma.Shape()[1], classes, s, y.Shape()))
		return nil
	}
	if x.Dims() == 2 {
		return b.Add(b.Mul(x, b.MatMul(y, b.Param(n.Gamma), false, false)), b.MatMul(y, b.Param(n.Beta), false, false))
	}
	hw := s[2] * s[3]
	spread := spreadInput(b, n.Gamma.Name+".spread", c, hw)
	if spread == nil {
		return nil
	}
	gain := b.MatMul(y, b.MatMul(b.Param(n.Gamma), spread, false, false), false, false) // [batch, c·h·w]
	h := b.Reshape(b.Mul(b.Reshape(x, batch, c*hw), gain), batch, c, s[2], s[3])
	return b.AddToMaps(h, b.MatMul(y, b.Param(n.Beta), false, false))
}

// spreadInput returns a constant input of n rows and n·width columns whose
// row k holds ones in columns k·width … (k+1)·width−1: multiplying a
// [batch, n] matrix by it repeats each of its n values width times.
func spreadInput(b *graphs.Builder, name string, n, width int) *G.Node {
	spread := b.Input(name, n, n*width)
	if spread == nil {
		return nil
	}
	switch d := graphs.Value(spread).Data().(type) {
	case []float32:
		for k := range n {
			for p := range width {
				d[k*n*width+k*width+p] = 1
			}
		}
	case []float64:
		for k := range n {
			for p := range width {
				d[k*n*width+k*width+p] = 1
			}
		}
	}
	return spread
}
