package eval_test

import (
	"context"
	"fmt"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/eval"
)

// Measure a set of images as one would a model's samples: here real
// training digits, measured against test digits through the embedded
// classifier. eval.NewMNIST builds the same evaluator against the whole
// test set.
func ExampleEvaluator() {
	clf, meta, err := eval.DefaultClassifier()
	if err != nil {
		fmt.Println(err)
		return
	}
	acc, _ := eval.TestAccuracy(meta)
	fmt.Printf("classifier test accuracy %.2f%%\n", 100*acc)

	test, err := datasets.MNIST(datasets.Test, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	train, err := datasets.MNIST(datasets.Train, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	reference, err := test.Subset(nil, 2000)
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, err := eval.NewEvaluator(clf, eval.Pixels(reference), "the first 2000 test images", eval.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	samples, err := train.Subset(nil, 1000) // stand-ins for 1000 samples, pixels in [0, 1]
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := ev.Evaluate(context.Background(), eval.Pixels(samples))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d images against %s\n", r.N, ev.Source())
	fmt.Printf("FID %.1f, Inception score %.1f, precision %.2f, recall %.2f, digits covered %d\n",
		r.FID, r.InceptionScore, r.Precision, r.Recall, r.DigitsCovered)
	fmt.Println("sevens:", r.Histogram[7])
	// Output:
	// classifier test accuracy 99.28%
	// 1000 images against the first 2000 test images
	// FID 64.3, Inception score 9.5, precision 0.91, recall 0.85, digits covered 10
	// sevens: 118
}
