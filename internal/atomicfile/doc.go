// Package atomicfile writes files so that readers, and the file system
// after a crash, see either the previous file or the complete new one,
// never a part: the data goes to a temporary file in the same folder,
// which is synced and then renamed over the target. Every file gorgozoo
// writes as output (checkpoints, config.json, pictures) goes through it.
package atomicfile
