package cli

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/gorgozoo/gorgozoo/datasets"
)

// AutoClasses is the value a -classes flag holds when given as "auto":
// as many classes as the data has, which [Classes] resolves once the data
// is read.
const AutoClasses = -1

// classesValue is a -classes flag: a number of classes, or "auto".
type classesValue struct{ n *int }

func (v classesValue) String() string {
	switch {
	case v.n == nil:
		return "0"
	case *v.n == AutoClasses:
		return "auto"
	}
	return strconv.Itoa(*v.n)
}

func (v classesValue) Set(s string) error {
	if s == "auto" {
		*v.n = AutoClasses
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("want a number of classes (0: unconditional) or auto, got %q", s)
	}
	*v.n = n
	return nil
}

// RegisterClasses adds -classes to fs, stored in n: a number of classes,
// 0 (the default) for an unconditional model, or "auto", stored as
// AutoClasses.
func RegisterClasses(fs *flag.FlagSet, n *int, usage string) {
	fs.Var(classesValue{n}, "classes", usage+" (auto: one per class folder of an image folder, 10 for MNIST)")
}

// Classes returns the number of classes of a model conditioned on the
// labels of set: classes itself, or for AutoClasses one per class folder
// of an image folder (the labels name set.Classes) and else the largest
// label plus one (10 for MNIST). It reports, before any training, data
// that cannot train such a model: no labels, or a label out of range.
func Classes(classes int, set *datasets.Set) (int, error) {
	if classes == 0 {
		return 0, nil
	}
	if set.Labels == nil {
		return 0, Usagef("-classes %s needs labelled data (class folders), but %s has no labels", classesValue{&classes}, set.Source)
	}
	if classes == AutoClasses {
		classes = set.ClassCount()
	}
	for i, y := range set.Labels {
		if int(y) >= classes {
			return 0, Usagef("-classes %d: image %d of %s has label %d", classes, i, set.Source, y)
		}
	}
	return classes, nil
}
