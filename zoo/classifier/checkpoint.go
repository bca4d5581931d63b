package classifier

import (
	"encoding/json"
	"fmt"

	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// FromCheckpoint rebuilds the classifier saved in c: its architecture from
// the metadata, its parameters from the tensors.
// It refuses a configuration that needs more than
// graphs.DefaultMaxMemory (see [Config.Footprint]) before allocating
// anything, and parameters that are not finite.
func FromCheckpoint(c *checkpoints.Checkpoint) (*Model, error) {
	return FromCheckpointWithin(c, 0)
}

// FromCheckpointWithin is FromCheckpoint with a memory limit of maxMemory
// bytes (0: graphs.DefaultMaxMemory), as Config.MaxMemory.
func FromCheckpointWithin(c *checkpoints.Checkpoint, maxMemory int64) (*Model, error) {
	return checkpoints.Rebuild(c, Kind, func(cfg Config) (*Model, error) {
		cfg.MaxMemory = maxMemory
		return New(cfg, 0)
	}, (*Model).Params)
}

// Load loads a classifier checkpoint file (a training checkpoint or a
// weights file), or a run folder's latest checkpoint, and returns it ready
// for inference:
//
//	clf, err := classifier.Load("eval/mnist-classifier.safetensors")
//	features, probs, err := clf.Outputs(images) // images: n×784 pixels in [0, 1]
func Load(path string) (*Inference, error) {
	c, _, err := checkpoints.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := FromCheckpoint(c)
	if err != nil {
		return nil, err
	}
	return NewInference(m), nil
}

// Weights returns a checkpoint of m's parameters alone, without optimiser
// state: a third of a training checkpoint's size, which is what gets
// committed and embedded. meta's Kind and Config are set from m.
func Weights(m *Model, meta checkpoints.Meta) (*checkpoints.Checkpoint, error) {
	cfg, err := json.Marshal(m.Config)
	if err != nil {
		return nil, fmt.Errorf("classifier: model config: %w", err)
	}
	meta.Kind, meta.Config = Kind, cfg
	return &checkpoints.Checkpoint{Meta: meta, Tensors: m.Params().Tensors()}, nil
}
