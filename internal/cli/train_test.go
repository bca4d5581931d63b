package cli

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gorgozoo/gorgozoo/trainer"
)

func TestTrainedLine(t *testing.T) {
	tests := []struct {
		name string
		res  trainer.Result
		want string
	}{
		{"no evaluation", trainer.Result{Epochs: 1, Steps: 20, Wall: 3 * time.Second, ImagesPerSec: 426.4},
			"trained 1.00 epochs (20 steps) in 3s: 426 images/s"},
		{"short run, tenths", trainer.Result{Epochs: 1, Steps: 20, Wall: 780 * time.Millisecond, Evaluating: 340 * time.Millisecond, ImagesPerSec: 3000},
			"trained 1.00 epochs (20 steps) in 400ms: 3000 images/s; evaluation took 300ms"},
		{"long run, whole seconds", trainer.Result{Epochs: 3, Steps: 60, Wall: 95*time.Second + 600*time.Millisecond, ImagesPerSec: 80},
			"trained 3.00 epochs (60 steps) in 1m36s: 80 images/s"},
		{"evaluation apart", trainer.Result{Epochs: 0.2133, Steps: 100, Wall: 35 * time.Second, Evaluating: 33 * time.Second, ImagesPerSec: 3200},
			"trained 0.21 epochs (100 steps) in 2s: 3200 images/s; evaluation took 33s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, trainedLine(&tt.res))
		})
	}
}
