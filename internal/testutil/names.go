package testutil

import "github.com/gorgozoo/gorgozoo/graphs"

// Names lists the names of ps in their order.
func Names(ps graphs.Params) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}
