// Package trainer is the one training loop every gorgozoo model runs
// through. A model (any GAN or VAE step) implements [Model]: it owns its
// compiled graphs and optimisers and performs one update per Step call. The
// trainer owns everything around it: batches from a datasets.Loader in a
// seeded order, the step and epoch budget, a progress line, metrics.jsonl
// in the run folder, checkpoints every N steps and at the end (keeping the
// last few), a NaN guard, and cancellation: when the context is cancelled
// (Ctrl-C in a command), the trainer saves a checkpoint and returns.
//
// Every record of metrics.jsonl carries the training time up to its step
// ("train_s", in seconds, counted as [Config.Time] counts it), so that a
// run's evaluations can be set against the time it trained;
// [ReadMetrics] reads the records back.
//
// Anything else a run should do after its steps is a [Hook]: a function
// that sees each step's [Event] (the step's metrics, the log window's
// means, the evaluation, the epoch). The trainer draws nothing itself; the
// sample grids and plots of a run folder come from the hook
// visual.TrainingPictures, which the commands add.
//
// Batches are addressed by (epoch, index) and the loader's order is a pure
// function of the seed and the epoch, so a run is a deterministic function
// of its seed, and a run that starts at step k sees the batches an
// uninterrupted run would.
package trainer
