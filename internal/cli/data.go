package cli

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/term"
)

// DataFlags are the flags that say how an image folder given as -data is
// read: -size, -channels, -val and -skip-bad. The commands that take
// -data embed them.
type DataFlags struct {
	Size     string  `json:"size,omitempty"`
	Channels int     `json:"channels,omitempty"`
	Val      float64 `json:"val,omitempty"`
	SkipBad  bool    `json:"skip_bad,omitempty"`
	// Classes names the labels of an image folder's class folders (set
	// when the folder is read, not a flag), so the run records them.
	ClassNames []string `json:"class_names,omitempty"`

	folder *datasets.Folder // the image folder, read once
}

// Register adds the flags to fs.
func (d *DataFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&d.Size, "size", "", "image folder: bring the images to N or HxW pixels (centre crop, then resize) (default: their own size when all agree)")
	fs.IntVar(&d.Channels, "channels", 0, "image folder: 1 (grey) or 3 (colour) (default: 1 when every image is grey, else 3)")
	fs.Float64Var(&d.Val, "val", 0, "image folder without test/: fraction held out by a seeded shuffle (0: 0.1; negative: none)")
	fs.BoolVar(&d.SkipBad, "skip-bad", false, "image folder: skip images that cannot be read or decoded, and list them")
}

// DataHelp describes -data for the commands' flag lists.
const DataHelp = "folder with MNIST-layout IDX files, or a folder of PNG/JPEG/GIF images (class subfolders, optional test/) (default: $" + datasets.DataEnv + ", else MNIST from the GoMNIST module)"

// IsImageFolder reports whether the -data folder dir holds images rather
// than MNIST-layout IDX files.
func IsImageFolder(dir string) bool {
	return dir != "" && !datasets.IsMNISTFolder(dir)
}

// Train loads the training images of the -data folder dir: MNIST's
// training split, or an image folder's images (seed chooses its -val
// split). The progress of decoding an image folder goes to stderr.
func (d *DataFlags) Train(dir string, seed uint64, stderr io.Writer) (*datasets.Set, error) {
	if !IsImageFolder(dir) {
		return datasets.MNIST(datasets.Train, dir)
	}
	f, err := d.imageFolder(dir, seed, stderr)
	if err != nil {
		return nil, err
	}
	return f.Train, nil
}

// Test loads the held-out images of the -data folder dir: MNIST's test
// split, or an image folder's test/ subfolder or -val fraction.
func (d *DataFlags) Test(dir string, seed uint64, stderr io.Writer) (*datasets.Set, error) {
	if !IsImageFolder(dir) {
		return datasets.MNIST(datasets.Test, dir)
	}
	f, err := d.imageFolder(dir, seed, stderr)
	if err != nil {
		return nil, err
	}
	if f.Val == nil {
		return nil, fmt.Errorf("image folder %s holds out no images: add a test/ folder or a -val fraction", dir)
	}
	return f.Val, nil
}

// imageFolder reads the image folder dir once, printing its progress to
// stderr.
func (d *DataFlags) imageFolder(dir string, seed uint64, stderr io.Writer) (*datasets.Folder, error) {
	if d.folder != nil {
		return d.folder, nil
	}
	o, err := d.FolderOptions(seed)
	if err != nil {
		return nil, err
	}
	o.Progress = term.Counter(stderr, "decoding images in "+dir, 1000)
	f, err := datasets.LoadFolder(dir, o)
	if err != nil {
		return nil, err
	}
	if f.NonImages > 0 {
		fmt.Fprintf(stderr, "skipped %d files that are not PNG, JPEG or GIF images\n", f.NonImages)
	}
	for _, s := range f.Skipped {
		fmt.Fprintf(stderr, "skipped (-skip-bad): %s\n", s)
	}
	d.ClassNames = f.Train.Classes
	d.folder = f
	return f, nil
}

// FolderOptions returns the image folder options the flags give, with
// seed choosing the -val split.
func (d *DataFlags) FolderOptions(seed uint64) (datasets.FolderOptions, error) {
	o := datasets.FolderOptions{Channels: d.Channels, Val: d.Val, Seed: seed, SkipBad: d.SkipBad}
	if d.Channels != 0 && d.Channels != 1 && d.Channels != 3 {
		return o, Usagef("-channels %d: want 1 or 3", d.Channels)
	}
	if d.Val >= 1 {
		return o, Usagef("-val %g: want a fraction below 1", d.Val)
	}
	if d.Size != "" {
		h, w, err := ParseSize(d.Size)
		if err != nil {
			return o, err
		}
		o.Height, o.Width = h, w
	}
	return o, nil
}

// ParseSize parses -size: N (square) or HxW.
func ParseSize(s string) (h, w int, err error) {
	hs, ws, found := strings.Cut(s, "x")
	if !found {
		ws = hs
	}
	h, errH := strconv.Atoi(hs)
	w, errW := strconv.Atoi(ws)
	if errH != nil || errW != nil || h < 1 || w < 1 || h > maxSide || w > maxSide {
		return 0, 0, Usagef("-size %q: want N or HxW, each side 1 to %d", s, maxSide)
	}
	return h, w, nil
}

// maxSide bounds a side of -size.
const maxSide = 4096
