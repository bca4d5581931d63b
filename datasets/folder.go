package datasets

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	xdraw "golang.org/x/image/draw"

	"github.com/gorgozoo/gorgozoo/internal/regularfile"
)

// DefaultFolderMaxBytes is the default of FolderOptions.MaxBytes: the
// decoded images of a folder may take at most 1 GiB.
const DefaultFolderMaxBytes = 1 << 30

// DefaultVal is the default of FolderOptions.Val.
const DefaultVal = 0.1

// TestFolder names the subfolder of an image folder that holds its
// held-out images, in the same layout as the folder.
const TestFolder = "test"

// imageExtensions are the file name endings LoadFolder reads as images;
// other files are skipped and counted.
var imageExtensions = []string{".png", ".jpg", ".jpeg", ".gif"}

// FolderOptions are the settings of LoadFolder. The zero value gives the
// defaults.
type FolderOptions struct {
	// Height and Width are the size the images are brought to: each image
	// is centre-cropped to this aspect, then resized with a Catmull-Rom
	// filter. Both 0 means the images' own size, which must then be the
	// same for all; otherwise both must be positive.
	Height, Width int
	// Channels is 1 (grey) or 3 (colour); 0 means 1 when every image is
	// grey and 3 otherwise. Colour is made grey with the luma weights of
	// image/color. Transparent pixels are composited on black, the
	// background of MNIST.
	Channels int
	// Val is the fraction of the images held out when the folder has no
	// test subfolder, chosen by a shuffle seeded with Seed; 0 means
	// DefaultVal and a negative value holds none out.
	Val  float64
	Seed uint64
	// SkipBad skips images that cannot be read or decoded (listed in
	// Folder.Skipped) instead of failing on the first.
	SkipBad bool
	// MaxBytes bounds the memory of the decoded images; 0 means
	// DefaultFolderMaxBytes.
	MaxBytes int64
	// Limits bounds each image's size, checked from its header.
	Limits ImageLimits
	// Progress, when set, is called after each image is decoded with the
	// number decoded so far and the total.
	Progress func(done, total int)
}

// Folder is an image folder read by LoadFolder.
type Folder struct {
	// Train holds the training images; Val the held-out ones (from the
	// test subfolder or the Val fraction), or nil when none are held out.
	Train, Val *Set
	// Skipped lists the images SkipBad skipped, each with its error.
	Skipped []string
	// NonImages counts the files skipped because their names do not end
	// in .png, .jpg, .jpeg or .gif.
	NonImages int
}

// IsMNISTFolder reports whether dir holds any of the MNIST IDX file
// names (plain or gzipped, of whatever file type), which is how the
// commands tell an IDX folder from an image folder.
func IsMNISTFolder(dir string) bool {
	for _, split := range []Split{Train, Test} {
		images, labels, _ := split.files()
		for _, base := range []string{images, labels} {
			for _, name := range []string{base, base + ".gz"} {
				if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
					return true
				}
			}
		}
	}
	return false
}

// LoadFolder reads a folder of PNG, JPEG and GIF images, found
// recursively. When dir has subfolders (other than test), each is a class
// and the images under it have its label, the classes sorted by name (the
// ImageFolder convention); otherwise the images are unlabelled. The
// subfolder test, when present, holds the held-out images in the same
// layout. Files whose names do not look like images are skipped and
// counted; a file that looks like an image but cannot be read or decoded
// is an error naming it, unless SkipBad. A symbolic link is followed
// unless it leads to a folder already visited, which is an error.
func LoadFolder(dir string, o FolderOptions) (*Folder, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("datasets: %s is not a folder", dir)
	}
	f := &Folder{}
	train, err := scanFolder(dir, true, nil, f)
	if err != nil {
		return nil, err
	}
	var test *scanned
	if info, err := os.Stat(filepath.Join(dir, TestFolder)); err == nil && info.IsDir() {
		if test, err = scanFolder(filepath.Join(dir, TestFolder), false, train.classes, f); err != nil {
			return nil, err
		}
	}
	all := train.files
	if test != nil {
		for _, file := range test.files {
			file.test = true
			all = append(slices.Clip(all), file)
		}
	}
	set, nTrain, err := decodeAll(all, train.classes, o, f)
	if err != nil {
		return nil, err
	}
	set.Source = "image folder " + dir
	if test != nil {
		f.Train, f.Val = set.split(nTrain)
		f.Val.Source = "image folder " + filepath.Join(dir, TestFolder)
		return f, nil
	}
	f.Train, f.Val = set.holdOut(o.val(), o.Seed)
	return f, nil
}

func (o FolderOptions) check() error {
	if (o.Height == 0) != (o.Width == 0) || o.Height < 0 || o.Width < 0 {
		return fmt.Errorf("datasets: image size %dx%d: give both sides, positive, or neither", o.Height, o.Width)
	}
	if o.Channels != 0 && o.Channels != 1 && o.Channels != 3 {
		return fmt.Errorf("datasets: %d channels: want 1 or 3", o.Channels)
	}
	if o.Val >= 1 {
		return fmt.Errorf("datasets: held-out fraction %g: want less than 1", o.Val)
	}
	if o.MaxBytes < 0 {
		return fmt.Errorf("datasets: memory budget of %d bytes is negative", o.MaxBytes)
	}
	return nil
}

func (o FolderOptions) val() float64 {
	if o.Val == 0 {
		return DefaultVal
	}
	return max(o.Val, 0)
}

func (o FolderOptions) maxBytes() int64 {
	if o.MaxBytes == 0 {
		return DefaultFolderMaxBytes
	}
	return o.MaxBytes
}

// imageFile is one image of a folder with its label.
type imageFile struct {
	path  string
	label uint8
	test  bool // held out: under the test folder
}

type scanned struct {
	files   []imageFile
	classes []string // nil: unlabelled
}

// scanFolder lists the images under dir. top says dir is the data folder,
// whose test subfolder is not a class. With classes non-nil the class
// folders must be among them (a test folder); with classes nil they are
// discovered.
func scanFolder(dir string, top bool, classes []string, f *Folder) (*scanned, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	var subdirs, loose []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		isDir, err := followDir(p, e)
		if err != nil {
			return nil, err
		}
		switch {
		case isDir && top && e.Name() == TestFolder:
		case isDir:
			subdirs = append(subdirs, e.Name())
		case isImageName(p):
			loose = append(loose, p)
		default:
			f.NonImages++
		}
	}
	s := &scanned{}
	if len(subdirs) == 0 {
		if top {
			classes = nil
		} else if classes != nil {
			return nil, fmt.Errorf("datasets: %s has no class folders but the training images have %d classes", dir, len(classes))
		}
		for _, p := range loose {
			s.files = append(s.files, imageFile{path: p})
		}
		if len(s.files) == 0 {
			return nil, fmt.Errorf("datasets: image folder %s holds no PNG, JPEG or GIF images", dir)
		}
		return s, nil
	}
	if len(loose) > 0 {
		return nil, fmt.Errorf("datasets: %s: an image beside class folders has no class; move it into one", loose[0])
	}
	slices.Sort(subdirs)
	if classes == nil {
		if len(subdirs) > 256 {
			return nil, fmt.Errorf("datasets: %s has %d class folders; at most 256 are supported", dir, len(subdirs))
		}
		classes = subdirs
	} else if !top && len(classes) == 0 {
		return nil, fmt.Errorf("datasets: %s has class folders but the training images are unlabelled", dir)
	}
	s.classes = classes
	for _, name := range subdirs {
		label := slices.Index(classes, name)
		if label < 0 {
			return nil, fmt.Errorf("datasets: %s is not one of the training classes %v", filepath.Join(dir, name), classes)
		}
		var paths []string
		visited := map[string]bool{}
		if err := walkImages(filepath.Join(dir, name), visited, &paths, f); err != nil {
			return nil, err
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("datasets: class folder %s holds no PNG, JPEG or GIF images", filepath.Join(dir, name))
		}
		for _, p := range paths {
			s.files = append(s.files, imageFile{path: p, label: uint8(label)})
		}
	}
	return s, nil
}

// followDir reports whether the entry at p is a folder, following a
// symbolic link; a link that cannot be resolved (a loop of links, say) is
// an error naming it.
func followDir(p string, e os.DirEntry) (bool, error) {
	if e.Type()&os.ModeSymlink == 0 {
		return e.IsDir(), nil
	}
	info, err := os.Stat(p)
	if err != nil {
		return false, fmt.Errorf("datasets: symbolic link %s: %w", p, err)
	}
	return info.IsDir(), nil
}

// walkImages appends the images under dir, recursively and in name
// order, to paths. visited holds the real paths of the folders entered,
// so a link back to one of them is reported instead of followed forever.
func walkImages(dir string, visited map[string]bool, paths *[]string, f *Folder) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("datasets: symbolic link %s: %w", dir, err)
	}
	if visited[real] {
		return fmt.Errorf("datasets: %s leads back to %s, already read: a symbolic link loop", dir, real)
	}
	visited[real] = true
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		isDir, err := followDir(p, e)
		if err != nil {
			return err
		}
		switch {
		case isDir:
			if err := walkImages(p, visited, paths, f); err != nil {
				return err
			}
		case isImageName(p):
			*paths = append(*paths, p)
		default:
			f.NonImages++
		}
	}
	return nil
}

func isImageName(p string) bool {
	return slices.Contains(imageExtensions, strings.ToLower(filepath.Ext(p)))
}

// readImageHeader opens path and checks its image header.
func readImageHeader(path string, limits ImageLimits) (image.Config, error) {
	file, _, err := regularfile.Open(path)
	if err != nil {
		return image.Config{}, fmt.Errorf("datasets: %w", err)
	}
	defer file.Close()
	cfg, _, err := imageHeader(bufio.NewReader(file), limits)
	if err != nil {
		return image.Config{}, fmt.Errorf("datasets: %s: %w", path, err)
	}
	return cfg, nil
}

// decodeAll reads the headers of files, settles the size, checks the
// memory budget, then decodes every image once into a Set. It also
// returns how many of the images decoded are not test images (these come
// first).
func decodeAll(files []imageFile, classes []string, o FolderOptions, f *Folder) (*Set, int, error) {
	var good []imageFile
	var sizes []image.Point
	for _, file := range files {
		cfg, err := readImageHeader(file.path, o.Limits)
		if err != nil {
			if !o.SkipBad {
				return nil, 0, err
			}
			f.Skipped = append(f.Skipped, err.Error())
			continue
		}
		good = append(good, file)
		sizes = append(sizes, image.Pt(cfg.Width, cfg.Height))
	}
	if len(good) == 0 {
		return nil, 0, fmt.Errorf("datasets: no image could be read (%d skipped)", len(f.Skipped))
	}
	h, w := o.Height, o.Width
	if h == 0 {
		w, h = sizes[0].X, sizes[0].Y
		for i, size := range sizes {
			if size != sizes[0] {
				return nil, 0, fmt.Errorf("datasets: %s is %dx%d but %s is %dx%d: give a size (-size) to bring them to one",
					good[0].path, h, w, good[i].path, size.Y, size.X)
			}
		}
	}
	// Until every image is known to be grey, colour is kept.
	c := o.Channels
	if c == 0 {
		c = 3
	}
	need := int64(len(good)) * int64(c) * int64(h) * int64(w)
	if need > o.maxBytes() {
		return nil, 0, fmt.Errorf("datasets: %d images of %dx%dx%d need %d bytes, more than the memory budget of %d bytes",
			len(good), c, h, w, need, o.maxBytes())
	}
	set := &Set{H: h, W: w, C: c, Images: make([]uint8, 0, need), Classes: classes}
	if classes != nil {
		set.Labels = make([]uint8, 0, len(good))
	}
	grey, nTrain := true, 0
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, file := range good {
		img, _, err := ReadImage(file.path, o.Limits)
		if err != nil {
			if !o.SkipBad {
				return nil, 0, err
			}
			f.Skipped = append(f.Skipped, err.Error())
			continue
		}
		fit(dst, img)
		grey = appendPixels(set, dst, c) && grey
		if set.Labels != nil {
			set.Labels = append(set.Labels, file.label)
		}
		if !file.test {
			nTrain++
		}
		if o.Progress != nil {
			o.Progress(i+1, len(good))
		}
	}
	set.N = len(set.Images) / (c * h * w)
	if set.N == 0 {
		return nil, 0, fmt.Errorf("datasets: no image could be decoded (%d skipped)", len(f.Skipped))
	}
	if o.Channels == 0 && grey {
		set.toGrey()
	}
	return set, nTrain, set.validate()
}

// fit draws src onto dst over a black background: the largest centred
// part of src with dst's aspect, resized with a Catmull-Rom filter.
func fit(dst *image.RGBA, src image.Image) {
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.Black), image.Point{}, draw.Src)
	b := src.Bounds()
	w, h := dst.Bounds().Dx(), dst.Bounds().Dy()
	// The crop keeps the whole of one side: width/height = w/h.
	cw, ch := b.Dx(), b.Dy()
	if cw*h > ch*w {
		cw = ch * w / h
	} else {
		ch = cw * h / w
	}
	cw, ch = max(cw, 1), max(ch, 1)
	x0 := b.Min.X + (b.Dx()-cw)/2
	y0 := b.Min.Y + (b.Dy()-ch)/2
	crop := image.Rect(x0, y0, x0+cw, y0+ch)
	if cw == w && ch == h {
		draw.Draw(dst, dst.Bounds(), src, crop.Min, draw.Over)
		return
	}
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, crop, draw.Over, nil)
}

// PlanarPixels returns img's pixels as LoadFolder stores them, at the
// image's own size: c planes (1: grey, by the luma weights of
// image/color; 3: red, green, blue), each row after row, transparent
// pixels composited on black.
func PlanarPixels(img image.Image, c int) ([]uint8, error) {
	if c != 1 && c != 3 {
		return nil, fmt.Errorf("datasets: %d channels: want 1 or 3", c)
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	fit(dst, img)
	set := &Set{Images: make([]uint8, 0, c*b.Dx()*b.Dy())}
	appendPixels(set, dst, c)
	return set.Images, nil
}

// appendPixels appends dst to the set's images in c planes and reports
// whether it is grey.
func appendPixels(set *Set, dst *image.RGBA, c int) bool {
	grey := true
	n := len(dst.Pix) / 4
	start := len(set.Images)
	set.Images = set.Images[:start+c*n]
	out := set.Images[start:]
	for i := 0; i < n; i++ {
		r, g, b := dst.Pix[4*i], dst.Pix[4*i+1], dst.Pix[4*i+2]
		if r != g || g != b {
			grey = false
		}
		if c == 1 {
			out[i] = color.GrayModel.Convert(color.RGBA{r, g, b, 255}).(color.Gray).Y
			continue
		}
		out[i], out[n+i], out[2*n+i] = r, g, b
	}
	return grey
}

// toGrey keeps the first plane of each image of a 3-channel set whose
// planes are all equal.
func (s *Set) toGrey() {
	n := s.H * s.W
	for i := 0; i < s.N; i++ {
		copy(s.Images[i*n:(i+1)*n], s.Images[3*i*n:3*i*n+n])
	}
	s.Images = slices.Clip(s.Images[:s.N*n])
	s.C = 1
}

// split returns the first n images and the rest as two sets.
func (s *Set) split(n int) (*Set, *Set) {
	size := s.ImageBytes()
	a := &Set{H: s.H, W: s.W, C: s.C, Classes: s.Classes, Source: s.Source, N: n, Images: s.Images[: n*size : n*size]}
	b := &Set{H: s.H, W: s.W, C: s.C, Classes: s.Classes, Source: s.Source, N: s.N - n, Images: s.Images[n*size:]}
	if s.Labels != nil {
		a.Labels, b.Labels = s.Labels[:n:n], s.Labels[n:]
	}
	return a, b
}

// holdOut shuffles the set with seed and holds out the fraction val of
// it, rounded; it returns a nil held-out set when that is no image.
func (s *Set) holdOut(val float64, seed uint64) (*Set, *Set) {
	k := int(val*float64(s.N) + 0.5)
	if k == 0 || k >= s.N {
		return s, nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x686f6c646f7574))
	perm := rng.Perm(s.N)
	size := s.ImageBytes()
	out := &Set{H: s.H, W: s.W, C: s.C, N: s.N, Classes: s.Classes, Source: s.Source, Images: make([]uint8, len(s.Images))}
	if s.Labels != nil {
		out.Labels = make([]uint8, s.N)
	}
	// The held-out images come first in the shuffle, the rest keep
	// their file order so training sees the same order for any val.
	held := perm[:k]
	slices.Sort(held)
	isHeld := make([]bool, s.N)
	for _, i := range held {
		isHeld[i] = true
	}
	order := append([]int{}, held...)
	for i := 0; i < s.N; i++ {
		if !isHeld[i] {
			order = append(order, i)
		}
	}
	for j, i := range order {
		copy(out.Images[j*size:(j+1)*size], s.Images[i*size:(i+1)*size])
		if s.Labels != nil {
			out.Labels[j] = s.Labels[i]
		}
	}
	val2, train := out.split(k)
	return train, val2
}
