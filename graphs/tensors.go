package graphs

import "github.com/gorgozoo/gorgozoo/checkpoints"

// Tensors returns the parameters as checkpoint tensors, in order. Each
// tensor's Data aliases its parameter's values: save the tensors before
// the parameters change, and copying into them sets the parameters. With
// this method Params satisfies checkpoints.Params.
func (ps Params) Tensors() []checkpoints.Tensor {
	out := make([]checkpoints.Tensor, len(ps))
	for i, p := range ps {
		out[i] = checkpoints.Tensor{Name: p.Name, Shape: p.Shape(), Data: p.Float32s()}
	}
	return out
}
