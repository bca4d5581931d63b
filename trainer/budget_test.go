package trainer

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/checkpoints"
)

// endAware is a fakeModel that records where a time budget ends its run.
type endAware struct {
	*fakeModel
	endsAt []int64
}

func (e *endAware) EndsAt(step int64) { e.endsAt = append(e.endsAt, step) }

// slowFake returns a fake whose every step takes at least d, so that a
// time budget of b is spent within ceil(b/d) steps, however slow the
// machine.
func slowFake(batch int, d time.Duration) *endAware {
	m := &endAware{fakeModel: newFake(batch)}
	m.onStep = func(int) { time.Sleep(d) }
	return m
}

// stepsBound is the most steps of at least d that a budget b allows.
func stepsBound(b, d time.Duration) int64 { return int64((b + d - 1) / d) }

func TestTimeBudgetEndsRunLikeItsEnd(t *testing.T) {
	const step, budget = 10 * time.Millisecond, 50 * time.Millisecond
	out := t.TempDir()
	m := slowFake(10, step)
	res, err := Run(context.Background(), m, testLoader(t, 10), Config{Steps: 10_000, Time: budget, Out: out})
	require.NoError(t, err)
	require.True(t, res.TimeUp)
	require.GreaterOrEqual(t, res.Trained, budget, "the budget is spent")
	require.LessOrEqual(t, res.Steps, stepsBound(budget, step), "the run stops at the first step past the budget")
	require.Equal(t, []int64{res.Steps}, m.endsAt, "the model learns where the run ends, once")

	c, err := checkpoints.Load(res.Checkpoint)
	require.NoError(t, err)
	require.Equal(t, res.Steps, c.Meta.Step, "a checkpoint at the last step")
	trained, err := TrainedTime(c)
	require.NoError(t, err)
	require.Equal(t, res.Trained, trained, "the checkpoint records the training time")

	// Resuming with a larger budget spends only the rest of it.
	const more = 100 * time.Millisecond
	m2 := slowFake(10, step)
	start, err := Resume(c, m2)
	require.NoError(t, err)
	res2, err := Run(context.Background(), m2, testLoader(t, 10), Config{Start: start, Steps: 10_000, Time: more, Trained: trained, Out: t.TempDir()})
	require.NoError(t, err)
	require.True(t, res2.TimeUp)
	require.GreaterOrEqual(t, res2.Trained, more)
	require.LessOrEqual(t, res2.Steps-start, stepsBound(more-trained, step), "only the rest of the budget is spent")
}

func TestStepBudgetBeforeTimeBudget(t *testing.T) {
	m := slowFake(10, 0)
	res, err := Run(context.Background(), m, testLoader(t, 10), Config{Steps: 7, Time: time.Hour, Out: t.TempDir()})
	require.NoError(t, err)
	require.False(t, res.TimeUp)
	require.EqualValues(t, 7, res.Steps)
	require.Empty(t, m.endsAt, "the step budget is the end the model knew")
}

func TestNoBudgetRecordsNoTime(t *testing.T) {
	res, err := Run(context.Background(), newFake(10), testLoader(t, 10), Config{Steps: 3, Out: t.TempDir()})
	require.NoError(t, err)
	c, err := checkpoints.Load(res.Checkpoint)
	require.NoError(t, err)
	require.NotContains(t, c.Meta.Extra, trainedKey, "checkpoints without a budget stay reproducible")
	trained, err := TrainedTime(c)
	require.NoError(t, err)
	require.Zero(t, trained)

	c.Meta.Extra[trainedKey] = "soon"
	_, err = TrainedTime(c)
	require.ErrorContains(t, err, `"soon" is not a duration`)
}
