package zoo_test

import (
	"encoding/json"
	"testing"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/internal/testutil"
	"github.com/gorgozoo/gorgozoo/zoo/classifier"
	"github.com/gorgozoo/gorgozoo/zoo/diffusion"
	"github.com/gorgozoo/gorgozoo/zoo/gan"
	"github.com/gorgozoo/gorgozoo/zoo/vae"
)

// fuzzBudget is the memory limit the fuzzed configurations are built
// under: small, so that every accepted model builds in an instant.
const fuzzBudget = 16 << 20

// FuzzCheckpointConfig feeds a checkpoint's config metadata to each
// model kind's loader: decoding, validating and building must never
// panic, and never allocate more than the budget allows (the parameters
// of an accepted model are a quarter of its estimate, which counts their
// gradients and Adam moments too).
func FuzzCheckpointConfig(f *testing.F) {
	for _, c := range craftedCases {
		f.Add(c.config)
	}
	for _, seed := range []string{
		`{}`, `{"arch":"dcgan"}`, `{"arch":"sagan","height":16,"width":16}`, `{"arch":"conv","channels":[4,8]}`,
		`{"arch":"conv-attn"}`, `{"classes":10,"d_pack":2}`, `{"discriminators":3,"g_hidden":[8],"d_hidden":[8]}`,
		`{"channels":[2],"kernel":3,"hidden":4,"classes":2}`, `{"z":2,"hidden":[4,4]}`, `{"t":10,"unet":{"channels":[4],"classes":2}}`, `null`, `[]`, `{"z":"x"}`,
	} {
		f.Add(seed)
	}
	builds := map[string]func(*checkpoints.Checkpoint) error{
		gan.Kind: func(c *checkpoints.Checkpoint) error { _, err := gan.FromCheckpointWithin(c, fuzzBudget); return err },
		vae.Kind: func(c *checkpoints.Checkpoint) error { _, err := vae.FromCheckpointWithin(c, fuzzBudget); return err },
		diffusion.Kind: func(c *checkpoints.Checkpoint) error {
			_, err := diffusion.FromCheckpointWithin(c, fuzzBudget)
			return err
		},
		classifier.Kind: func(c *checkpoints.Checkpoint) error {
			_, err := classifier.FromCheckpointWithin(c, fuzzBudget)
			return err
		},
	}
	f.Fuzz(func(t *testing.T, config string) {
		for kind, build := range builds {
			c := &checkpoints.Checkpoint{Meta: checkpoints.Meta{Kind: kind, Config: json.RawMessage(config)}}
			var err error
			alloc := testutil.Allocated(func() { err = build(c) })
			// The checkpoint holds no tensors: a config that passes
			// must still fail, at the parameters.
			if err == nil {
				t.Fatalf("%s: config %q loaded a model from a checkpoint without tensors", kind, config)
			}
			if alloc > 2*fuzzBudget {
				t.Fatalf("%s: config %q allocated %d bytes under a budget of %d: %v", kind, config, alloc, fuzzBudget, err)
			}
		}
	})
}
