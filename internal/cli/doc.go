// Package cli holds what gorgozoo's commands share: flag checks that end in
// a one-line error, the run folder, config.json, choosing how progress is
// shown, and resolving a checkpoint path given as a file or a run folder.
// It is internal: commands are its only users.
package cli
