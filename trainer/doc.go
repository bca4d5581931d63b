// Package trainer is the one training loop every gorgozoo model runs
// through. A model (any GAN or VAE step) implements [Model]: it owns its
// compiled graphs and optimisers and performs one update per Step call. The
// trainer owns everything around it: batches from a datasets.Loader in a
// seeded order, the step and epoch budget, a progress line, metrics.jsonl,
// sample grids and a loss plot in the run folder, checkpoints every N steps
// and at the end (keeping the last few), a NaN guard, and cancellation: when
// the context is cancelled (Ctrl-C in a command), the trainer saves a
// checkpoint and returns.
//
// Batches are addressed by (epoch, index) and the loader's order is a pure
// function of the seed and the epoch, so a run is a deterministic function
// of its seed, and a run that starts at step k sees the batches an
// uninterrupted run would.
package trainer
