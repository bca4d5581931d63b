package eval

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"

	"github.com/gorgozoo/gorgozoo/checkpoints"
	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/regularfile"
	"github.com/gorgozoo/gorgozoo/zoo/classifier"
)

// classifierFile holds the weights of the reference classifier, trained by
// `go run ./cmd/train-classifier` (its run folder's mnist-classifier.safetensors).
// Embedding them means evaluation works from a fresh clone, and every
// number it reports comes from the same network.
//
//go:embed mnist-classifier.safetensors
var classifierFile []byte

// ClassifierName names the embedded classifier in reports and errors.
const ClassifierName = "eval/mnist-classifier.safetensors (embedded)"

// DefaultClassifier returns the embedded MNIST classifier and the metadata
// it was saved with (Extra["test_accuracy"] holds its test accuracy).
func DefaultClassifier() (*classifier.Inference, checkpoints.Meta, error) {
	c, err := checkpoints.Parse(ClassifierName, classifierFile)
	if err != nil {
		return nil, checkpoints.Meta{}, err
	}
	m, err := classifier.FromCheckpoint(c)
	if err != nil {
		return nil, checkpoints.Meta{}, err
	}
	return classifier.NewInference(m), c.Meta, nil
}

// ClassifierSHA256 returns the SHA-256 of the embedded classifier's file,
// in hex, which identifies the network that measured a report.
func ClassifierSHA256() string {
	sum := sha256.Sum256(classifierFile)
	return hex.EncodeToString(sum[:])
}

// FileSHA256 returns the SHA-256 of a classifier's file, in hex, as
// ClassifierSHA256 does for the embedded one.
func FileSHA256(path string) (string, error) {
	f, _, err := regularfile.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("eval: %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// TestAccuracy returns the test accuracy recorded in a classifier's
// metadata, if there is one.
func TestAccuracy(meta checkpoints.Meta) (float64, bool) {
	v, err := strconv.ParseFloat(meta.Extra["test_accuracy"], 64)
	return v, err == nil
}

// NewMNIST returns an evaluator that compares samples with the MNIST test
// set (found as datasets.MNIST finds it: dataDir, $GORGOZOO_DATA, or the
// GoMNIST module) through the embedded classifier.
func NewMNIST(dataDir string, opt Options) (*Evaluator, error) {
	clf, _, err := DefaultClassifier()
	if err != nil {
		return nil, err
	}
	test, err := datasets.MNIST(datasets.Test, dataDir)
	if err != nil {
		return nil, err
	}
	return NewEvaluator(clf, Pixels(test), test.Source, opt)
}

// Pixels returns a set's images as float32 pixels in [0, 1].
func Pixels(s *datasets.Set) []float32 {
	out := make([]float32, len(s.Images))
	for i, p := range s.Images {
		out[i] = float32(p) / 255
	}
	return out
}

// checkPixels reports the first value outside [0, 1]: generators with a
// tanh output produce [-1, 1], and feeding those unscaled would give
// confident but meaningless numbers.
func checkPixels(images []float32, pixels int) error {
	for i, v := range images {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("eval: pixel %d of image %d is %v; images must have pixels in [0, 1]", i%pixels, i/pixels, v)
		}
	}
	return nil
}
