// Package term tells a terminal from a file or pipe and shows counted
// progress on either: a line redrawn in place on a terminal, and only the
// final line elsewhere, so logs hold no carriage returns.
package term
