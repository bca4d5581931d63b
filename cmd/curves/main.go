// Command curves draws a metric of training runs' evaluations (FID, a
// VAE's test loss) against their training time, one line per run, and
// prints a markdown table of each run's value at a few training-time
// budgets: which model is best for a minute, or for half an hour.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/trainer"
	"github.com/gorgozoo/gorgozoo/visual"
)

const summary = `
curves plots a metric of training runs' evaluations against their training
time, one line per run, and prints a markdown table of each run's value at
a few training-time budgets, the best per budget in bold.

  go run ./cmd/curves -o docs/curves-gan.png runs/gan-s1 runs/dcgan-s1
  go run ./cmd/curves -metric test_loss -budgets 1m,10m -label MLP -label conv runs/vae-mlp runs/vae-conv
  go run ./cmd/curves -label MLP -label MLP -label DCGAN -label DCGAN runs/gan-s1 runs/gan-s2 runs/dcgan-s1 runs/dcgan-s2

Usage: curves [flags] RUN_FOLDER...

The time is the training time each record of a run's metrics.jsonl
carries (train_s: steps only, without evaluations, checkpoints and
pictures, as -time counts it), so runs evaluated more or less often
compare. A run's value at a budget is that of its last evaluation at or
before it; – where it had none yet. Runs given the same -label (seeds of
one setting, say) make one series: the mean of their evaluations at the
steps they all evaluated, against the mean of their training times, with
the lowest and highest values as a band; in the table, the mean of their
values at each budget, then the lowest and highest.

Runs written before metrics.jsonl recorded the training time are refused:
their wall clock counts the evaluations as training. Evaluate along the
way with -eval-every (in epochs) on the training commands.`

// higherIsBetter are the evaluation metrics that grow as a model gets
// better; the others (FID, test losses) shrink.
var higherIsBetter = []string{"inception_score", "precision", "recall", "digits_covered", "test_acc"}

func main() {
	os.Exit(cli.Exit(os.Stderr, "curves", run(os.Args[1:], os.Stdout)))
}

// options are the command's flags.
type options struct {
	metric  string
	out     string
	budgets []time.Duration
	labels  []string
	logY    bool
	better  string // "low" or "high"; "" picks by metric
}

func run(args []string, stdout io.Writer) error {
	o := options{budgets: []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute}}
	fs := flag.NewFlagSet("curves", flag.ContinueOnError)
	fs.StringVar(&o.metric, "metric", "fid", "the key of the evaluation records to plot: fid, inception_score, test_loss, test_acc, ...")
	fs.StringVar(&o.out, "o", "curves.png", "PNG file to write; \"\" writes none")
	fs.Func("budgets", "comma-separated training times of the table's columns (default 1m,5m,15m,30m)", func(s string) error {
		var err error
		o.budgets, err = parseBudgets(s)
		return err
	})
	fs.Func("label", "a run's name in the legend and the table, once per run in order (default: the run folders' names); runs of one name are one series, their mean with their spread", func(s string) error {
		o.labels = append(o.labels, s)
		return nil
	})
	fs.BoolVar(&o.logY, "log", false, "a logarithmic metric axis")
	fs.StringVar(&o.better, "better", "", "whether a lower or a higher value is better: low or high (default: high for "+strings.Join(higherIsBetter, ", ")+"; low otherwise)")
	dirs, err := cli.ParseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cli.PrintUsage(stdout, fs, summary)
		}
		return err
	}
	if len(dirs) == 0 {
		return cli.Usagef("give one or more run folders")
	}
	if len(o.labels) > 0 && len(o.labels) != len(dirs) {
		return cli.Usagef("%d -label flags for %d run folders: give one per run, or none", len(o.labels), len(dirs))
	}
	higher := slices.Contains(higherIsBetter, o.metric)
	switch o.better {
	case "":
	case "low", "high":
		higher = o.better == "high"
	default:
		return cli.Usagef("-better must be low or high (got %q)", o.better)
	}

	var groups []*group
	found := false
	keys := map[string]bool{} // the metrics the runs' evaluations hold
	for i, dir := range dirs {
		evals, err := readRun(dir, o.metric, keys)
		if err != nil {
			return err
		}
		found = found || len(evals) > 0
		// Only labels given make series of several runs: two folders of
		// one name are two runs.
		j := -1
		label := filepath.Base(filepath.Clean(dir))
		if len(o.labels) > 0 {
			label = o.labels[i]
			j = slices.IndexFunc(groups, func(g *group) bool { return g.label == label })
		}
		if j < 0 {
			j = len(groups)
			groups = append(groups, &group{label: label})
		}
		groups[j].runs = append(groups[j].runs, evals)
	}
	if !found {
		if len(keys) == 0 {
			return fmt.Errorf("no evaluation of these runs holds %q: they have no evaluations yet", o.metric)
		}
		return fmt.Errorf("no evaluation of these runs holds %q; they hold %s", o.metric, strings.Join(slices.Sorted(maps.Keys(keys)), ", "))
	}
	if o.out != "" {
		if err := plot(groups, o.metric, o.logY, o.out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n\n", o.out)
	}
	table(stdout, groups, o.metric, o.budgets, higher)
	return nil
}

// parseBudgets parses "1m,5m,15m,30m": positive durations, increasing.
func parseBudgets(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, f := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration such as 90s, 5m or 1h", f)
		}
		if d <= 0 {
			return nil, fmt.Errorf("%q is not a positive duration", f)
		}
		if len(out) > 0 && d <= out[len(out)-1] {
			return nil, fmt.Errorf("%s does not come after %s: give the budgets in increasing order", f, formatBudget(out[len(out)-1]))
		}
		out = append(out, d)
	}
	return out, nil
}

// group is the runs given one label: one run, or several (seeds of one
// setting, say), which it shows as their mean and spread.
type group struct {
	label string
	runs  [][]eval // each run's evaluations of the metric, in training order
}

// eval is an evaluation of the metric.
type eval struct {
	step    int64
	trained time.Duration
	value   float64
}

// readRun reads the evaluations of metric from the metrics.jsonl of run
// folder dir, and adds the metrics its evaluations hold to keys.
func readRun(dir, metric string, keys map[string]bool) ([]eval, error) {
	path := filepath.Join(dir, trainer.MetricsFile)
	recs, err := trainer.ReadMetrics(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s has no %s: is it a training run's folder?", dir, trainer.MetricsFile)
	}
	if err != nil {
		return nil, err
	}
	var evals []eval
	for _, r := range recs {
		if !r.Eval {
			continue
		}
		for k := range r.Values {
			keys[k] = true
		}
		v, ok := r.Values[metric]
		if !ok {
			continue
		}
		if !r.HasTrained {
			return nil, fmt.Errorf("%s: the evaluation at step %d has no training time (train_s): the run was written before metrics.jsonl recorded it, and its wall clock would count evaluations, checkpoints and pictures as training; train it again", path, r.Step)
		}
		evals = append(evals, eval{r.Step, r.Trained, v})
	}
	return evals, nil
}

// name is the group's name in the legend and the table.
func (g group) name() string {
	if len(g.runs) == 1 {
		return g.label
	}
	return fmt.Sprintf("%s (mean of %d runs)", g.label, len(g.runs))
}

// at returns the mean, the lowest and the highest over the group's runs
// of their last evaluation at or before budget; ok is false while a run
// has none.
func (g group) at(budget time.Duration) (mean, lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	sum := 0.0
	for _, evals := range g.runs {
		i := slices.IndexFunc(evals, func(e eval) bool { return e.trained > budget })
		if i < 0 {
			i = len(evals)
		}
		if i == 0 {
			return 0, 0, 0, false
		}
		v := evals[i-1].value
		sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	return sum / float64(len(g.runs)), lo, hi, true
}

// series returns the group's curve: a run's evaluations against its
// training minutes, or for several runs the mean of their evaluations at
// each step they all evaluated, against the mean of their training
// minutes, with the lowest and highest values as its spread.
func (g group) series() visual.Series {
	s := visual.Series{Name: g.name()}
	n := float64(len(g.runs))
	for _, first := range g.runs[0] {
		var trained time.Duration
		sum, lo, hi, all := 0.0, math.Inf(1), math.Inf(-1), true
		for _, evals := range g.runs {
			i := slices.IndexFunc(evals, func(e eval) bool { return e.step == first.step })
			if i < 0 {
				all = false // a step not every run evaluated
				break
			}
			v := evals[i].value
			trained += evals[i].trained
			sum += v
			lo, hi = min(lo, v), max(hi, v)
		}
		if !all {
			continue
		}
		s.X, s.Y = append(s.X, trained.Minutes()/n), append(s.Y, sum/n)
		if len(g.runs) > 1 {
			s.Lo, s.Hi = append(s.Lo, lo), append(s.Hi, hi)
		}
	}
	return s
}

// plot draws the groups' curves against training minutes into file out.
func plot(groups []*group, metric string, logY bool, out string) error {
	series := make([]visual.Series, len(groups))
	for i, g := range groups {
		series[i] = g.series()
	}
	title := metric + " against training time"
	if logY {
		title += " (log scale)"
	}
	img, err := visual.Plot{Title: title, XLabel: "training minutes", Series: series, LogY: logY}.Render()
	if err != nil {
		return err
	}
	return visual.SavePNG(out, img)
}

// table prints each group's value of metric at each budget as a
// markdown table, the best per budget in bold; a group of several runs
// shows their mean and, in brackets, their lowest and highest values.
func table(w io.Writer, groups []*group, metric string, budgets []time.Duration, higher bool) {
	head := []string{"run"}
	rule := []string{"---"}
	for _, b := range budgets {
		head = append(head, formatBudget(b))
		rule = append(rule, "---:")
	}
	best := make([]float64, len(budgets))
	for j, b := range budgets {
		best[j] = math.NaN()
		for _, g := range groups {
			if v, _, _, ok := g.at(b); ok && (math.IsNaN(best[j]) || higher && v > best[j] || !higher && v < best[j]) {
				best[j] = v
			}
		}
	}
	direction := "lower"
	if higher {
		direction = "higher"
	}
	fmt.Fprintf(w, "%s after each training time (the last evaluation at or before it; %s is better, the best in bold):\n\n", metric, direction)
	fmt.Fprintf(w, "| %s |\n| %s |\n", strings.Join(head, " | "), strings.Join(rule, " | "))
	for _, g := range groups {
		row := []string{strings.ReplaceAll(g.name(), "|", `\|`)}
		for j, b := range budgets {
			v, lo, hi, ok := g.at(b)
			if !ok {
				row = append(row, "–")
				continue
			}
			cell := formatValue(v)
			if v == best[j] {
				cell = "**" + cell + "**"
			}
			if len(g.runs) > 1 {
				cell += " (" + formatValue(lo) + "–" + formatValue(hi) + ")"
			}
			row = append(row, cell)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
}

func formatValue(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// formatBudget spells a budget as briefly as a flag takes it: 30m, 1h,
// 1m30s.
func formatBudget(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
