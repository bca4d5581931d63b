package datasets

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/gorgozoo/gorgozoo/internal/atomicfile"
)

// DefaultColourMNISTN is the default of ColourMNISTOptions.N.
const DefaultColourMNISTN = 1000

// ColourMNISTOptions are the settings of WriteColourMNIST; the zero value
// gives the defaults.
type ColourMNISTOptions struct {
	// N is the number of training images, the first N of MNIST's
	// training split; 0 means DefaultColourMNISTN. A tenth as many (at
	// least one) of MNIST's test images go to the test folder.
	N int
	// Seed chooses the colours: same seed, same files.
	Seed uint64
	// Grey writes MNIST's own 28×28 grey digits instead of tinted 32×32
	// colour ones.
	Grey bool
	// Data is the MNIST folder, as MNISTDir resolves it.
	Data string
	// Progress, when set, is called after each file with the number
	// written so far and the total.
	Progress func(done, total int)
}

// WriteColourMNIST writes "colour MNIST", a labelled image folder made
// from MNIST with no download: DIR/<digit>/<index>.png for training and
// DIR/test/<digit>/<index>.png held out. Each digit is tinted with a
// random colour on a random background colour and padded to 32×32 with
// the background; Grey writes the 28×28 grey digits as they are. Files
// are written atomically, so an interrupted run leaves no partial image.
func WriteColourMNIST(dir string, o ColourMNISTOptions) error {
	if o.N < 0 {
		return fmt.Errorf("datasets: colour MNIST of %d images", o.N)
	}
	n := o.N
	if n == 0 {
		n = DefaultColourMNISTN
	}
	train, err := MNIST(Train, o.Data)
	if err != nil {
		return err
	}
	test, err := MNIST(Test, o.Data)
	if err != nil {
		return err
	}
	nTest := max(n/10, 1)
	if n > train.N || nTest > test.N {
		return fmt.Errorf("datasets: colour MNIST of %d images: MNIST has %d training images", n, train.N)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x636f6c6f7572))
	done, total := 0, n+nTest
	for _, part := range []struct {
		set  *Set
		n    int
		root string
	}{{train, n, dir}, {test, nTest, filepath.Join(dir, TestFolder)}} {
		for i := 0; i < part.n; i++ {
			img := colourDigit(part.set, i, o.Grey, rng)
			folder := filepath.Join(part.root, fmt.Sprint(part.set.Labels[i]))
			if err := os.MkdirAll(folder, 0o755); err != nil {
				return fmt.Errorf("datasets: %w", err)
			}
			path := filepath.Join(folder, fmt.Sprintf("%05d.png", i))
			if err := atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
				return fmt.Errorf("datasets: %w", err)
			}
			done++
			if o.Progress != nil {
				o.Progress(done, total)
			}
		}
	}
	return nil
}

// colourPad is the border that brings a 28×28 digit to 32×32.
const colourPad = 2

// colourDigit returns image i of set, grey or tinted and padded.
func colourDigit(set *Set, i int, grey bool, rng *rand.Rand) image.Image {
	pix := set.Image(i)
	if grey {
		g := image.NewGray(image.Rect(0, 0, set.W, set.H))
		copy(g.Pix, pix)
		return g
	}
	var fg, bg [3]uint8
	for c := range 3 {
		fg[c], bg[c] = uint8(rng.IntN(256)), uint8(rng.IntN(256))
	}
	img := image.NewRGBA(image.Rect(0, 0, set.W+2*colourPad, set.H+2*colourPad))
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var p int
			if dx, dy := x-colourPad, y-colourPad; dx >= 0 && dx < set.W && dy >= 0 && dy < set.H {
				p = int(pix[dy*set.W+dx])
			}
			var c color.RGBA
			c.A = 255
			mix := func(f, g uint8) uint8 { return uint8((int(g)*(255-p) + int(f)*p + 127) / 255) }
			c.R, c.G, c.B = mix(fg[0], bg[0]), mix(fg[1], bg[1]), mix(fg[2], bg[2])
			img.SetRGBA(x, y, c)
		}
	}
	return img
}
