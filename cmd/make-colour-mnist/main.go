// Command make-colour-mnist writes "colour MNIST", a labelled folder of
// PNG images made from MNIST without a download, for trying the image
// folder support of -data.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gorgozoo/gorgozoo/datasets"
	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/internal/term"
)

const summary = `
make-colour-mnist writes MNIST digits as a folder of PNG images, one
subfolder per digit, with a test/ subfolder of held-out digits.

  go run ./cmd/make-colour-mnist -o data/colour-mnist
  go run ./cmd/make-colour-mnist -o data/grey-mnist -grey -n 2000

Each digit is tinted with a random colour on a random background and padded
to 32×32; -grey writes the 28×28 grey digits as they are, which the models
take with -data as they are.`

type options struct {
	Out  string
	N    int
	Seed uint64
	Grey bool
	Data string
}

func main() {
	os.Exit(cli.Exit(os.Stderr, "make-colour-mnist", run(os.Args[1:], os.Stdout, os.Stderr)))
}

func run(args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("make-colour-mnist", flag.ContinueOnError)
	fs.StringVar(&o.Out, "o", "", "folder to write (required)")
	fs.IntVar(&o.N, "n", datasets.DefaultColourMNISTN, "training images, the first of MNIST's; a tenth as many go to test/")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the colours: same seed, same files")
	fs.BoolVar(&o.Grey, "grey", false, "write 28×28 grey digits instead of 32×32 colour ones")
	fs.StringVar(&o.Data, "data", "", "folder with the MNIST IDX files (default: $"+datasets.DataEnv+", else the GoMNIST module)")
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cli.PrintUsage(stdout, fs, summary)
		}
		return err
	}
	if o.Out == "" {
		return cli.Usagef("-o is required: the folder to write")
	}
	if o.N < 1 {
		return cli.Usagef("-n %d: want at least 1", o.N)
	}
	err := datasets.WriteColourMNIST(o.Out, datasets.ColourMNISTOptions{
		N: o.N, Seed: o.Seed, Grey: o.Grey, Data: o.Data,
		Progress: term.Counter(stderr, "wrote images", 1000),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d training and %d test images to %s\n", o.N, max(o.N/10, 1), o.Out)
	return nil
}
