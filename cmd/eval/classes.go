package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/eval"
	"github.com/gorgozoo/gorgozoo/zoo"
)

// defaultClassN is the samples drawn per class by -class all.
const defaultClassN = 1000

// classSweep is what -class measures: how well a conditional model draws
// the class asked for.
type classSweep struct {
	N    int        `json:"n"` // samples per class
	Rows []classRow `json:"rows"`
	// MeanAgreement and MeanFID are the means over the rows; WorstClass
	// is the row with the lowest agreement.
	MeanAgreement  float64 `json:"mean_agreement"`
	MeanFID        float64 `json:"mean_fid"`
	WorstClass     int     `json:"worst_class"`
	WorstAgreement float64 `json:"worst_agreement"`
}

// classRow measures the samples drawn as one class against the test
// images of that class.
type classRow struct {
	Class int    `json:"class"`
	Name  string `json:"name,omitempty"`
	// Agreement is the share of the samples the classifier assigns to
	// the class asked for.
	Agreement float64 `json:"agreement"`
	FID       float64 `json:"fid"`       // against the class's test images
	Precision float64 `json:"precision"` // samples inside the class's test-image manifold
	// Coverage is the recall within the class: the share of the class's
	// test images inside the samples' manifold.
	Coverage   float64 `json:"coverage"`
	ReferenceN int     `json:"reference_n"` // test images of the class
}

// parseClass reads -class: "" (no sweep), "all" (every class) or one
// class index; it returns the classes to measure, -1 standing for all.
func parseClass(s string) (int, error) {
	if s == "all" {
		return -1, nil
	}
	k, err := strconv.Atoi(s)
	if err != nil || k < 0 {
		return 0, fmt.Errorf("-class %q: want \"all\" or a class index from 0", s)
	}
	return k, nil
}

// sweepClasses draws n samples of each class (or of class only, when it is
// not -1) from the conditional model m and measures each set against the
// test images of its class with the network's features.
func sweepClasses(ctx context.Context, m zoo.Model, class, n int, seed uint64, test *datasets.Set, net *network, opt eval.Options, names []string) (*classSweep, error) {
	classes := m.Classes()
	if classes == 0 {
		return nil, fmt.Errorf("-class: the model is not conditional (trained without -classes)")
	}
	if net.random {
		return nil, fmt.Errorf("-class needs a classifier to tell the classes apart, not %s", net.name)
	}
	if got := net.clf.Config().Classes; got != classes {
		return nil, fmt.Errorf("-class: the model draws %d classes, the classifier %s tells %d apart", classes, net.name, got)
	}
	if class >= classes {
		return nil, fmt.Errorf("-class %d: the model draws classes 0 to %d", class, classes-1)
	}
	if test.Labels == nil {
		return nil, fmt.Errorf("-class: the test set %s has no labels to compare a class with", test.Source)
	}
	lo, hi := 0, classes
	if class >= 0 {
		lo, hi = class, class+1
	}
	sweep := &classSweep{N: n, WorstClass: -1}
	for k := lo; k < hi; k++ {
		ref := classPixels(test, k)
		if len(ref) == 0 {
			return nil, fmt.Errorf("-class: the test set %s has no images of class %d", test.Source, k)
		}
		ev, err := eval.NewEvaluator(net.clf, ref, fmt.Sprintf("%s, class %d", test.Source, k), opt)
		if err != nil {
			return nil, fmt.Errorf("-class %d: %w", k, err)
		}
		images, err := m.Generate(ctx, n, seed, k)
		if err != nil {
			return nil, err
		}
		r, err := ev.Evaluate(ctx, images)
		if err != nil {
			return nil, fmt.Errorf("-class %d: %w", k, err)
		}
		row := classRow{Class: k, Agreement: float64(r.Histogram[k]) / float64(r.N), FID: r.FID,
			Precision: r.Precision, Coverage: r.Recall, ReferenceN: ev.ReferenceSize()}
		if names != nil {
			row.Name = names[k]
		}
		sweep.Rows = append(sweep.Rows, row)
		sweep.MeanAgreement += row.Agreement
		sweep.MeanFID += row.FID
		if sweep.WorstClass < 0 || row.Agreement < sweep.WorstAgreement {
			sweep.WorstClass, sweep.WorstAgreement = k, row.Agreement
		}
	}
	sweep.MeanAgreement /= float64(len(sweep.Rows))
	sweep.MeanFID /= float64(len(sweep.Rows))
	return sweep, nil
}

// classPixels returns the test images of class k as pixels in [0, 1].
func classPixels(test *datasets.Set, k int) []float32 {
	var out []float32
	for i, y := range test.Labels {
		if int(y) != k {
			continue
		}
		for _, p := range test.Image(i) {
			out = append(out, float32(p)/255)
		}
	}
	return out
}

// printSweep prints one row per class, then the mean and the worst class.
func printSweep(w io.Writer, s *classSweep) error {
	fmt.Fprintf(w, "per class (%d samples each, against the class's test images):\n", s.N)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "class\tagreement\tFID\tprecision\tcoverage\ttest images\t\n")
	name := func(r classRow) string {
		if r.Name != "" {
			return r.Name
		}
		return strconv.Itoa(r.Class)
	}
	for _, r := range s.Rows {
		fmt.Fprintf(tw, "%s\t%.1f%%\t%.3f\t%.3f\t%.3f\t%d\t\n", name(r), 100*r.Agreement, r.FID, r.Precision, r.Coverage, r.ReferenceN)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	worst := s.Rows[0]
	for _, r := range s.Rows {
		if r.Class == s.WorstClass {
			worst = r
		}
	}
	_, err := fmt.Fprintf(w, "mean agreement %.1f%%, worst %s at %.1f%%; mean FID within a class %.3f\n"+
		"(agreement: samples the classifier assigns to the class asked for; coverage: the class's test images inside the samples' manifold)\n\n",
		100*s.MeanAgreement, name(worst), 100*s.WorstAgreement, s.MeanFID)
	return err
}
