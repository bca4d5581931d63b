// Package cli holds what gorgozoo's commands share: flag checks that end in
// a one-line error, the run folder, config.json, the training wiring (the
// trainer with its picture hooks and the sample evaluation during
// training), and resolving a checkpoint path given as a file or a run
// folder. It is internal: commands are its only users.
package cli
