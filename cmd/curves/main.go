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

Usage: curves [flags] RUN_FOLDER...

The time is the training time each record of a run's metrics.jsonl
carries (train_s: steps only, without evaluations, checkpoints and
pictures, as -time counts it), so runs evaluated more or less often
compare. A run's value at a budget is that of its last evaluation at or
before it; – where it had none yet. Runs written before metrics.jsonl
recorded the training time are refused: their wall clock counts the
evaluations as training. Evaluate along the way with -eval-every (in
epochs) on the training commands.`

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
	fs.Func("label", "a run's name in the legend and the table, once per run in order (default: the run folders' names)", func(s string) error {
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

	runs := make([]curve, len(dirs))
	found := false
	for i, dir := range dirs {
		label := filepath.Base(filepath.Clean(dir))
		if len(o.labels) > 0 {
			label = o.labels[i]
		}
		if runs[i], err = readRun(dir, label, o.metric); err != nil {
			return err
		}
		found = found || len(runs[i].points) > 0
	}
	if !found {
		return fmt.Errorf("no evaluation of these runs holds %q: see the keys of their \"eval\": true records in metrics.jsonl", o.metric)
	}
	if o.out != "" {
		if err := plot(runs, o.metric, o.logY, o.out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n\n", o.out)
	}
	table(stdout, runs, o.metric, o.budgets, higher)
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

// curve is one run's evaluations of the metric against its training time.
type curve struct {
	label  string
	points []point // in training order
}

type point struct {
	trained time.Duration
	value   float64
}

// readRun reads the evaluations of metric from the metrics.jsonl of run
// folder dir.
func readRun(dir, label, metric string) (curve, error) {
	c := curve{label: label}
	path := filepath.Join(dir, trainer.MetricsFile)
	recs, err := trainer.ReadMetrics(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, fmt.Errorf("%s has no %s: is it a training run's folder?", dir, trainer.MetricsFile)
	}
	if err != nil {
		return c, err
	}
	for _, r := range recs {
		v, ok := r.Values[metric]
		if !r.Eval || !ok {
			continue
		}
		if !r.HasTrained {
			return c, fmt.Errorf("%s: the evaluation at step %d has no training time (train_s): the run was written before metrics.jsonl recorded it, and its wall clock would count evaluations, checkpoints and pictures as training; train it again", path, r.Step)
		}
		c.points = append(c.points, point{r.Trained, v})
	}
	return c, nil
}

// at returns the value of the last evaluation at or before budget.
func (c curve) at(budget time.Duration) (float64, bool) {
	v, ok := 0.0, false
	for _, p := range c.points {
		if p.trained > budget {
			break
		}
		v, ok = p.value, true
	}
	return v, ok
}

// plot draws the runs' curves against training minutes into file out.
func plot(runs []curve, metric string, logY bool, out string) error {
	series := make([]visual.Series, len(runs))
	for i, r := range runs {
		series[i].Name = r.label
		for _, p := range r.points {
			series[i].X = append(series[i].X, p.trained.Minutes())
			series[i].Y = append(series[i].Y, p.value)
		}
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

// table prints each run's value of metric at each budget as a markdown
// table, the best per budget in bold.
func table(w io.Writer, runs []curve, metric string, budgets []time.Duration, higher bool) {
	head := []string{"run"}
	rule := []string{"---"}
	for _, b := range budgets {
		head = append(head, formatBudget(b))
		rule = append(rule, "---:")
	}
	best := make([]float64, len(budgets))
	for j, b := range budgets {
		best[j] = math.NaN()
		for _, r := range runs {
			if v, ok := r.at(b); ok && (math.IsNaN(best[j]) || higher && v > best[j] || !higher && v < best[j]) {
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
	for _, r := range runs {
		row := []string{strings.ReplaceAll(r.label, "|", `\|`)}
		for j, b := range budgets {
			v, ok := r.at(b)
			switch {
			case !ok:
				row = append(row, "–")
			case v == best[j]:
				row = append(row, "**"+formatValue(v)+"**")
			default:
				row = append(row, formatValue(v))
			}
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
