package eval

import (
	"fmt"

	"github.com/gorgozoo/gorgozoo/zoo/classifier"
)

// RandomFeaturesSeed seeds the parameters of the network RandomFeatures
// returns. The numbers measured with it depend on it: changing it makes
// them incomparable with earlier ones.
const RandomFeaturesSeed = 1

// randomChannels are the conv blocks' widths of the random network: the
// reference architecture with 32 filters in each block. More random
// filters make the ranking depend less on their draw: on MNIST, over
// three seeds, uniform noise scored 2.1 to 5.8 times the FID of blurred
// digits with 32 and 32 filters, 1.1 to 3.8 times with the classifier's
// 16 and 32 (64 and 64: 3.1 to 4.0, at twice the cost of 32 and 32).
var randomChannels = []int{32, 32}

// RandomFeatures returns the feature extractor for images that have no
// trained classifier, such as an unlabelled folder: the reference
// network (package zoo/classifier's architecture, with randomChannels)
// for c×h×w images, its parameters drawn from a generator seeded with
// RandomFeaturesSeed and never trained. It needs no weights, from a
// download or otherwise, and gives the same features on every machine.
//
// A randomly initialised network is a fixed random non-linear map whose
// convolutions still respond to local structure (edges, strokes,
// textures) at every position; Naeem et al. (2020) found that the
// embeddings of such networks rank generative models much as trained
// ones do, and use them where no trained network fits the data. Its
// classes mean nothing, so measure with it with Options.FeaturesOnly:
// FID and precision/recall only. Its FIDs have their own scale, which
// compares models on one data set, not with a trained classifier's.
func RandomFeatures(c, h, w int) (*classifier.Inference, error) {
	m, err := classifier.New(classifier.Config{ImageChannels: c, Height: h, Width: w, Channels: randomChannels}, RandomFeaturesSeed)
	if err != nil {
		return nil, fmt.Errorf("eval: random features for %dx%dx%d images: %w", c, h, w, err)
	}
	return classifier.NewInference(m), nil
}

// RandomFeaturesName names the network of RandomFeatures in reports.
func RandomFeaturesName(c, h, w int) string {
	return fmt.Sprintf("random features (untrained CNN, conv %v, for %dx%dx%d images, seed %d)", randomChannels, c, h, w, RandomFeaturesSeed)
}
