package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorgozoo/gorgozoo/datasets"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		h, w int
		ok   bool
	}{
		{"28", 28, 28, true},
		{"32x64", 32, 64, true},
		{"0", 0, 0, false},
		{"x28", 0, 0, false},
		{"28x", 0, 0, false},
		{"-3", 0, 0, false},
		{"5000", 0, 0, false},
		{"28X28", 0, 0, false},
	}
	for _, tt := range tests {
		h, w, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || h != tt.h || w != tt.w {
			t.Errorf("ParseSize(%q) = %d, %d, %v; want %d, %d, ok %v", tt.in, h, w, err, tt.h, tt.w, tt.ok)
		}
	}
}

func TestDataFlagsImageFolder(t *testing.T) {
	grey := filepath.Join(t.TempDir(), "grey")
	if err := datasets.WriteColourMNIST(grey, datasets.ColourMNISTOptions{N: 20, Grey: true}); err != nil {
		t.Fatal(err)
	}
	colour := filepath.Join(t.TempDir(), "colour")
	if err := datasets.WriteColourMNIST(colour, datasets.ColourMNISTOptions{N: 20}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		dir   string
		flags DataFlags
		shape [3]int // channels, height, width
		err   string
	}{
		{"grey 28x28 as it is", grey, DataFlags{}, [3]int{1, 28, 28}, ""},
		{"colour 32x32 brought to 28x28 grey", colour, DataFlags{Size: "28", Channels: 1}, [3]int{1, 28, 28}, ""},
		{"colour 32x32", colour, DataFlags{}, [3]int{3, 32, 32}, ""},
		{"colour at 16x24", colour, DataFlags{Size: "16x24"}, [3]int{3, 16, 24}, ""},
		{"bad channels", grey, DataFlags{Channels: 2}, [3]int{}, "-channels 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			train, err := tt.flags.Train(tt.dir, 1, &log)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			test, err := tt.flags.Test(tt.dir, 1, &log)
			if err != nil {
				t.Fatal(err)
			}
			if shape := [3]int{train.Channels(), train.H, train.W}; train.N != 20 || test.N != 2 || shape != tt.shape || [3]int{test.Channels(), test.H, test.W} != shape {
				t.Errorf("train %d and test %d images of %dx%dx%d", train.N, test.N, train.Channels(), train.H, train.W)
			}
			if len(tt.flags.ClassNames) == 0 || !strings.Contains(log.String(), "decoding") {
				t.Errorf("classes %q, log %q", tt.flags.ClassNames, log.String())
			}
		})
	}
	if IsImageFolder("") {
		t.Error("the default data (MNIST) is taken for an image folder")
	}
	if dir, err := datasets.MNISTDir(""); err == nil && IsImageFolder(dir) {
		t.Errorf("the MNIST folder %s is taken for an image folder", dir)
	}
}
