package cli

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/gorgozoo/gorgozoo/datasets"
)

func TestClassesFlag(t *testing.T) {
	tests := []struct {
		args []string
		want int
		ok   bool
	}{
		{nil, 0, true},
		{[]string{"-classes", "10"}, 10, true},
		{[]string{"-classes", "0"}, 0, true},
		{[]string{"-classes", "auto"}, AutoClasses, true},
		{[]string{"-classes", "-1"}, 0, false},
		{[]string{"-classes", "ten"}, 0, false},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var n int
		RegisterClasses(fs, &n, "classes")
		err := fs.Parse(tt.args)
		if (err == nil) != tt.ok || n != tt.want {
			t.Errorf("%v: classes %d, error %v; want %d, ok %v", tt.args, n, err, tt.want, tt.ok)
		}
	}
}

func TestClasses(t *testing.T) {
	named := &datasets.Set{Labels: []uint8{0, 1, 1}, Classes: []string{"cat", "dog", "fox", "owl"}, Source: "named"}
	tests := []struct {
		name    string
		classes int
		set     *datasets.Set
		want    int
		err     string
	}{
		{"unconditional, unlabelled", 0, &datasets.Set{Source: "flat"}, 0, ""},
		{"auto, class folders", AutoClasses, named, 4, ""},
		{"auto, MNIST-style labels", AutoClasses, &datasets.Set{Labels: []uint8{3, 9, 0}}, 10, ""},
		{"given", 2, named, 2, ""},
		{"label out of range", 1, named, 0, "-classes 1: image 1 of named has label 1"},
		{"auto, unlabelled", AutoClasses, &datasets.Set{Source: "flat"}, 0, "-classes auto needs labelled data (class folders), but flat has no labels"},
		{"given, unlabelled", 3, &datasets.Set{Source: "flat"}, 0, "-classes 3 needs labelled data"},
	}
	for _, tt := range tests {
		got, err := Classes(tt.classes, tt.set)
		if tt.err != "" {
			var usage *UsageError
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &usage) {
				t.Errorf("%s: error %v, want a usage error containing %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}
}
