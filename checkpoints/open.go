package checkpoints

import (
	"fmt"
	"os"
	"path/filepath"
)

// Resolve returns the checkpoint file path names: path itself when it is a
// file, else the latest checkpoint of the run folder path (in its
// checkpoints/ folder, or in path itself when it is a checkpoints folder).
// Every command and loader accepts either, so a user can pass the folder a
// training run wrote without looking inside it.
func Resolve(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("checkpoints: %s: %w", path, unwrapPath(err))
	}
	if !st.IsDir() {
		return path, nil
	}
	for _, dir := range []string{filepath.Join(path, "checkpoints"), path} {
		if latest, err := (Dir{Path: dir}).Latest(); err == nil {
			return latest, nil
		}
	}
	return "", fmt.Errorf("checkpoints: %s: no checkpoint in this folder or its checkpoints/ folder", path)
}

// Open loads the checkpoint file path names, or a run folder's latest one
// (see [Resolve]); it returns the checkpoint and the file it came from.
func Open(path string) (*Checkpoint, string, error) {
	file, err := Resolve(path)
	if err != nil {
		return nil, "", err
	}
	c, err := Load(file)
	if err != nil {
		return nil, "", err
	}
	return c, file, nil
}
