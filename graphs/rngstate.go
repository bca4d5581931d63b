package graphs

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
)

// EncodePCG returns the state of a PCG generator as text, for checkpoint
// metadata.
func EncodePCG(p *rand.PCG) (string, error) {
	b, err := p.MarshalBinary()
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// DecodePCG restores a state written by [EncodePCG] into p.
func DecodePCG(p *rand.PCG, s string) error {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("graphs: random generator state %q: %w", s, err)
	}
	if err := p.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("graphs: random generator state %q: %w", s, err)
	}
	return nil
}
