// Package doclinks holds a test that keeps the repository's Markdown
// documentation navigable: every relative link and image in README.md and
// docs/ must name a file that exists and, with a #fragment, a heading of
// that file. It has no code of its own.
package doclinks
