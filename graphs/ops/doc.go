// Package ops holds gorgozoo's own Gorgonia operations: matrix products
// with transpose flags, convolution, pooling, upsampling, activations,
// binary cross-entropy, bias, softmax, pixel and group normalisation,
// adding a vector to feature maps, joining maps along the channels, the
// elementwise sum and product and a few row and scale operations, each with a hand-written gradient.
//
// They replace Gorgonia's built-in equivalents, which allocate a fresh
// output tensor on every run (most of a training step's allocations), run
// on one core, or copy transposes. Every op here keeps its output buffer
// from run to run: each graph node has its own op value and a graph is run
// by one goroutine at a time, so reusing the buffer is safe. Large inputs
// are split over the cores (package internal/parallel) in ways that do not
// change a bit of the result.
//
// Each constructor returns the node of its op applied to the given nodes,
// or an error; package graphs wraps them in its Builder, which is how
// models use them.
package ops
