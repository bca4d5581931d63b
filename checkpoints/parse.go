package checkpoints

import "fmt"

// Parse decodes the bytes of a safetensors file that is not on disk, such
// as one embedded in a program with go:embed; name stands for the file in
// errors. It checks everything [Load] checks, and the tensors it returns
// do not alias data.
func Parse(name string, data []byte) (*Checkpoint, error) {
	if int64(len(data)) > maxFileSize {
		return nil, fmt.Errorf("checkpoints: %s: %d bytes, more than the limit of %d", name, len(data), int64(maxFileSize))
	}
	c, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %s: %w", name, err)
	}
	c.path = name
	return c, nil
}
