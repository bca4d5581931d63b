// Package testutil holds what the tests of several gorgozoo packages
// share: a gradient checker that compares symbolic gradients with finite
// differences, fills of graph inputs with random numbers, the names of a
// parameter list, a model's checkpoint saved as a run folder or as a
// single file, file hashes that show an operation changed no file, and
// allocation counts.
//
// It imports graphs, checkpoints and trainer, so only tests outside those
// packages (and the packages they import) can use it.
package testutil
