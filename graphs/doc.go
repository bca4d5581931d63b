// Package graphs holds the pieces every gorgozoo model is built from:
// parameters that live outside any Gorgonia graph, a small graph builder
// that keeps the first error, layers and numerically stable losses. The
// operations the builder applies are in package ops; the optimisers that
// update the parameters are in package optim.
//
// A model owns its parameters ([Param]: a name and a *tensor.Dense). Every
// graph that uses a parameter binds a node to the same tensor
// ([Builder.Param]), so an optimiser step that updates the tensor in place
// is seen by all of the model's graphs: the GAN's discriminator graph and
// generator graph, the sampling graph, and so on. Names and layouts follow
// PyTorch's state_dict (a Linear weight is [out, in]) so that checkpoints
// load into the equivalent PyTorch module.
//
// Graph construction goes through a [Builder]: the first failing operation
// records its error and every later operation becomes a no-op returning
// nil, so a forward pass reads like the maths and is checked once with
// [Builder.Err].
package graphs
