// Package testutil holds what the tests of every gorgozoo package share:
// a gradient checker that compares symbolic gradients with finite
// differences, fills of graph inputs with random numbers, and file hashes
// that show an operation changed no file.
package testutil
