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
		err   string
	}{
		{"grey 28x28 as it is", grey, DataFlags{}, ""},
		{"colour 32x32 brought to 28x28 grey", colour, DataFlags{Size: "28", Channels: 1}, ""},
		{"colour 32x32", colour, DataFlags{}, "holds 3x32x32 images (channels x height x width), but the models take 28x28 grey images for now"},
		{"colour at 28x28", colour, DataFlags{Size: "28"}, "holds 3x28x28 images"},
		{"bad channels", grey, DataFlags{Channels: 2}, "-channels 2"},
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
			if train.N != 20 || test.N != 2 || train.Channels() != 1 || train.H != 28 || train.W != 28 {
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
