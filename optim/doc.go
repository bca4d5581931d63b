// Package optim holds the optimisers gorgozoo trains with: Adam, with
// PyTorch's update rule, and an exponential moving average of parameters
// (EMA). Their state is exported and saved in checkpoints ([Adam.Save],
// [Adam.Restore]), so that a resumed run continues exactly where it
// stopped; Gorgonia's own solvers hide theirs.
//
// Both update parameters ([graphs.Param]) in place, which every graph
// that bound them sees at its next run.
package optim
