package checkpoints

import (
	"encoding/json"
	"fmt"
)

// ClassNamesKey is the metadata entry (Meta.Extra) that names a model's
// classes, as a JSON list: label i is the i-th name. Models of MNIST have
// none; their labels are the digits. Training on an image folder records
// its class folders' names.
const ClassNamesKey = "class_names"

// SetClassNames records names under ClassNamesKey; nil names record
// nothing.
func (m *Meta) SetClassNames(names []string) error {
	if names == nil {
		return nil
	}
	b, err := json.Marshal(names)
	if err != nil {
		return fmt.Errorf("checkpoints: class names: %w", err)
	}
	if m.Extra == nil {
		m.Extra = map[string]string{}
	}
	m.Extra[ClassNamesKey] = string(b)
	return nil
}

// ClassNames returns the class names the metadata records, or nil when
// it records none. Recorded names must be one per class of the model.
func (m Meta) ClassNames(classes int) ([]string, error) {
	v, ok := m.Extra[ClassNamesKey]
	if !ok {
		return nil, nil
	}
	var names []string
	if err := json.Unmarshal([]byte(v), &names); err != nil {
		return nil, fmt.Errorf("checkpoints: metadata %s: %w", ClassNamesKey, err)
	}
	if len(names) != classes {
		return nil, fmt.Errorf("checkpoints: metadata %s names %d classes, the model has %d", ClassNamesKey, len(names), classes)
	}
	return names, nil
}
