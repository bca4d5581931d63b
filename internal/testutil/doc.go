// Package testutil holds what the tests of every gorgozoo package share:
// a gradient checker that compares symbolic gradients with finite
// differences, and fills of graph inputs with random numbers.
package testutil
