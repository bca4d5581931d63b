package datasets

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeImage writes img as a PNG file at path, making its folder.
func writeImage(t testing.TB, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	writeFolderFile(t, path, b.Bytes())
}

func writeFolderFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// greyImage is a w×h grey image whose pixel (x, y) is v+x.
func greyImage(w, h int, v uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			g.SetGray(x, y, color.Gray{Y: v + uint8(x)})
		}
	}
	return g
}

// hugePNG is a valid PNG signature and IHDR chunk declaring w×h pixels,
// with no pixel data.
func hugePNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grey
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func pngBytes(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestLoadFolderBadInputs(t *testing.T) {
	good := pngBytes(t, greyImage(4, 4, 10))
	tests := []struct {
		name  string
		make  func(t *testing.T, dir string)
		opts  FolderOptions
		err   string // a part of the error; "" for success
		check func(t *testing.T, f *Folder)
	}{
		{name: "empty folder", make: func(t *testing.T, dir string) {}, err: "holds no PNG, JPEG or GIF images"},
		{name: "empty class folder", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a", "1.png"), good)
			os.MkdirAll(filepath.Join(dir, "b"), 0o755)
		}, err: "class folder " + "DIR/b holds no"},
		{name: "corrupt image", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a.png"), good)
			writeFolderFile(t, filepath.Join(dir, "bad.png"), []byte("\x89PNG\r\n\x1a\nrubbish"))
		}, err: "DIR/bad.png: "},
		{name: "truncated image", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a.png"), good)
			writeFolderFile(t, filepath.Join(dir, "cut.png"), good[:len(good)-20])
		}, err: "DIR/cut.png: png image"},
		{name: "non-image file named .png", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a.png"), good)
			writeFolderFile(t, filepath.Join(dir, "notes.png"), []byte("just some text"))
		}, err: "DIR/notes.png: not a PNG, JPEG or GIF image"},
		{name: "non-image files skipped and counted", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a.png"), good)
			writeFolderFile(t, filepath.Join(dir, "README.txt"), []byte("hello"))
			writeFolderFile(t, filepath.Join(dir, "b", "x.json"), []byte("{}"))
			writeFolderFile(t, filepath.Join(dir, "b", "1.png"), good)
			os.Remove(filepath.Join(dir, "a.png"))
		}, check: func(t *testing.T, f *Folder) {
			if f.NonImages != 2 || f.Train.N != 1 {
				t.Errorf("NonImages %d, N %d; want 2 and 1", f.NonImages, f.Train.N)
			}
		}},
		{name: "header claims 20000x20000", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a.png"), good)
			writeFolderFile(t, filepath.Join(dir, "bomb.png"), hugePNG(20000, 20000))
		}, err: "DIR/bomb.png: png image of 20000x20000 = 400000000 pixels, more than the limit"},
		{name: "unreadable file", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a.png"), good)
			writeFolderFile(t, filepath.Join(dir, "locked.png"), good)
			os.Chmod(filepath.Join(dir, "locked.png"), 0)
			if f, err := os.Open(filepath.Join(dir, "locked.png")); err == nil {
				f.Close()
				t.Skip("running as a user who can read any file")
			}
		}, err: "DIR/locked.png: permission denied"},
		{name: "device file", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a.png"), good)
			os.Symlink("/dev/null", filepath.Join(dir, "dev.png"))
		}, err: "DIR/dev.png"},
		{name: "symlink loop of folders", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a", "1.png"), good)
			os.Symlink("..", filepath.Join(dir, "a", "up"))
		}, err: "a symbolic link loop"},
		{name: "symlink loop of links", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a", "1.png"), good)
			os.Symlink("y", filepath.Join(dir, "a", "x"))
			os.Symlink("x", filepath.Join(dir, "a", "y"))
		}, err: "symbolic link DIR/a/x"},
		{name: "sizes differ without -size", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a.png"), good)
			writeImage(t, filepath.Join(dir, "b.png"), greyImage(5, 4, 0))
		}, err: "give a size (-size)"},
		{name: "memory budget", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a.png"), good)
			writeFolderFile(t, filepath.Join(dir, "b.png"), good)
		}, opts: FolderOptions{Channels: 1, MaxBytes: 31}, err: "2 images of 1x4x4 need 32 bytes, more than the memory budget of 31 bytes"},
		{name: "skip bad lists them", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a.png"), good)
			writeFolderFile(t, filepath.Join(dir, "bomb.png"), hugePNG(20000, 20000))
			writeFolderFile(t, filepath.Join(dir, "cut.png"), good[:len(good)-20])
		}, opts: FolderOptions{SkipBad: true, Val: -1}, check: func(t *testing.T, f *Folder) {
			if f.Train.N != 1 || len(f.Skipped) != 2 || !strings.Contains(f.Skipped[0], "bomb.png") || !strings.Contains(f.Skipped[1], "cut.png") {
				t.Errorf("N %d, skipped %q", f.Train.N, f.Skipped)
			}
		}},
		{name: "image beside class folders", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a", "1.png"), good)
			writeFolderFile(t, filepath.Join(dir, "stray.png"), good)
		}, err: "DIR/stray.png: an image beside class folders"},
		{name: "test class not in training", make: func(t *testing.T, dir string) {
			writeFolderFile(t, filepath.Join(dir, "a", "1.png"), good)
			writeFolderFile(t, filepath.Join(dir, "test", "b", "1.png"), good)
		}, err: "DIR/test/b is not one of the training classes"},
		{name: "bad channels", make: func(t *testing.T, dir string) {}, opts: FolderOptions{Channels: 2}, err: "2 channels"},
		{name: "half a size", make: func(t *testing.T, dir string) {}, opts: FolderOptions{Height: 3}, err: "give both sides"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.make(t, dir)
			f, err := LoadFolder(dir, tt.opts)
			want := strings.ReplaceAll(tt.err, "DIR", dir)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.err != "" && err == nil:
				t.Fatalf("no error, want one containing %q", want)
			case tt.err != "" && !strings.Contains(err.Error(), want):
				t.Fatalf("error %q, want one containing %q", err, want)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

func TestLoadFolderClasses(t *testing.T) {
	dir := t.TempDir()
	// Classes are sorted by name whatever the order of creation; images
	// deeper in a class folder belong to it.
	writeImage(t, filepath.Join(dir, "zebra", "1.png"), greyImage(3, 3, 30))
	writeImage(t, filepath.Join(dir, "ant", "deep", "er", "1.png"), greyImage(3, 3, 10))
	writeImage(t, filepath.Join(dir, "ant", "2.png"), greyImage(3, 3, 20))
	writeImage(t, filepath.Join(dir, "cat", "1.png"), greyImage(3, 3, 40))
	f, err := LoadFolder(dir, FolderOptions{Val: -1})
	if err != nil {
		t.Fatal(err)
	}
	s := f.Train
	if want := []string{"ant", "cat", "zebra"}; !slices.Equal(s.Classes, want) {
		t.Errorf("classes %q, want %q", s.Classes, want)
	}
	// Files in name order within a class: ant/2.png before ant/deep.
	if want := []uint8{0, 0, 1, 2}; !slices.Equal(s.Labels, want) {
		t.Errorf("labels %v, want %v", s.Labels, want)
	}
	if want := []uint8{20, 10, 40, 30}; s.N != 4 || s.C != 1 || s.Image(0)[0] != want[0] || s.Image(1)[0] != want[1] || s.Image(2)[0] != want[2] || s.Image(3)[0] != want[3] {
		t.Errorf("N %d C %d first pixels %d %d %d %d, want 4, 1, %v", s.N, s.C, s.Image(0)[0], s.Image(1)[0], s.Image(2)[0], s.Image(3)[0], want)
	}
	if f.Val != nil {
		t.Errorf("Val -1 held out %d images", f.Val.N)
	}

	// A flat folder is unlabelled.
	flat := t.TempDir()
	writeImage(t, filepath.Join(flat, "1.png"), greyImage(3, 3, 0))
	f, err = LoadFolder(flat, FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Train.Labels != nil || f.Train.Classes != nil || f.Train.N != 1 {
		t.Errorf("flat folder: labels %v classes %v N %d", f.Train.Labels, f.Train.Classes, f.Train.N)
	}
}

func TestLoadFolderSizeAndCrop(t *testing.T) {
	dir := t.TempDir()
	// A 6×2 image: a grey left and right third around a white centre;
	// brought to 2×2 the centre crop keeps the white middle only.
	img := image.NewGray(image.Rect(0, 0, 6, 2))
	for y := 0; y < 2; y++ {
		for x := 0; x < 6; x++ {
			v := uint8(50)
			if x >= 2 && x < 4 {
				v = 255
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	writeImage(t, filepath.Join(dir, "wide.png"), img)
	writeImage(t, filepath.Join(dir, "small.png"), greyImage(3, 3, 0))
	f, err := LoadFolder(dir, FolderOptions{Height: 2, Width: 2, Val: -1})
	if err != nil {
		t.Fatal(err)
	}
	s := f.Train
	if s.N != 2 || s.H != 2 || s.W != 2 {
		t.Fatalf("shape %dx%dx%d, want 2x2x2", s.N, s.H, s.W)
	}
	// small.png sorts first, wide.png second.
	if got := s.Image(1); !slices.Equal(got, []uint8{255, 255, 255, 255}) {
		t.Errorf("centre crop of the wide image: %v, want all 255", got)
	}
	// Upscaling 3×3 to 6×6 keeps the left-to-right ramp.
	f, err = LoadFolder(dir, FolderOptions{Height: 6, Width: 6, Val: -1})
	if err != nil {
		t.Fatal(err)
	}
	row := f.Train.Image(0)[:6]
	for x := 1; x < 6; x++ {
		if row[x] < row[x-1] {
			t.Errorf("resized ramp %v is not increasing", row)
		}
	}
	if row[0] >= row[5] {
		t.Errorf("resized ramp %v is flat", row)
	}
}

func TestLoadFolderChannels(t *testing.T) {
	dir := t.TempDir()
	// A colour pixel, and a half-transparent white pixel composited on
	// black.
	img := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	img.SetNRGBA(0, 0, color.NRGBA{R: 200, G: 100, B: 0, A: 255})
	img.SetNRGBA(1, 0, color.NRGBA{R: 255, G: 255, B: 255, A: 128})
	writeImage(t, filepath.Join(dir, "c.png"), img)
	tests := []struct {
		channels int
		wantC    int
		want     []uint8
	}{
		{0, 3, []uint8{200, 128, 100, 128, 0, 128}},
		{3, 3, []uint8{200, 128, 100, 128, 0, 128}},
		{1, 1, []uint8{color.GrayModel.Convert(color.RGBA{200, 100, 0, 255}).(color.Gray).Y, 128}},
	}
	for _, tt := range tests {
		f, err := LoadFolder(dir, FolderOptions{Channels: tt.channels, Val: -1})
		if err != nil {
			t.Fatal(err)
		}
		if s := f.Train; s.C != tt.wantC || !slices.Equal(s.Image(0), tt.want) {
			t.Errorf("channels %d: C %d pixels %v, want C %d pixels %v", tt.channels, s.C, s.Image(0), tt.wantC, tt.want)
		}
	}
	// A grey folder is read as one channel by default, even from RGB files.
	grey := t.TempDir()
	rgb := image.NewRGBA(image.Rect(0, 0, 2, 1))
	rgb.SetRGBA(0, 0, color.RGBA{7, 7, 7, 255})
	rgb.SetRGBA(1, 0, color.RGBA{9, 9, 9, 255})
	writeImage(t, filepath.Join(grey, "g.png"), rgb)
	f, err := LoadFolder(grey, FolderOptions{Val: -1})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Train; s.C != 1 || !slices.Equal(s.Images, []uint8{7, 9}) {
		t.Errorf("grey RGB file: C %d pixels %v, want 1 and [7 9]", s.C, s.Images)
	}
}

func TestLoadFolderValSplit(t *testing.T) {
	dir := t.TempDir()
	for i := range 20 {
		writeImage(t, filepath.Join(dir, string(rune('a'+i))+".png"), greyImage(2, 2, uint8(10*i)))
	}
	load := func(seed uint64) (train, val []uint8) {
		f, err := LoadFolder(dir, FolderOptions{Val: 0.25, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if f.Train.N != 15 || f.Val.N != 5 {
			t.Fatalf("split %d+%d, want 15+5", f.Train.N, f.Val.N)
		}
		for i := 0; i < f.Train.N; i++ {
			train = append(train, f.Train.Image(i)[0])
		}
		for i := 0; i < f.Val.N; i++ {
			val = append(val, f.Val.Image(i)[0])
		}
		return train, val
	}
	t1, v1 := load(1)
	t2, v2 := load(1)
	if !slices.Equal(t1, t2) || !slices.Equal(v1, v2) {
		t.Errorf("same seed, different split: %v|%v and %v|%v", t1, v1, t2, v2)
	}
	all := slices.Concat(t1, v1)
	slices.Sort(all)
	for i, p := range all {
		if p != uint8(10*i) {
			t.Fatalf("train and val together %v are not the 20 images once each", all)
		}
	}
	_, v3 := load(2)
	if slices.Equal(v1, v3) {
		t.Errorf("seeds 1 and 2 hold out the same images %v", v1)
	}
	// The default fraction is a tenth.
	f, err := LoadFolder(dir, FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Train.N != 18 || f.Val.N != 2 {
		t.Errorf("default split %d+%d, want 18+2", f.Train.N, f.Val.N)
	}
}

func TestLoadFolderTestSubfolder(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "a", "1.png"), greyImage(2, 2, 1))
	writeImage(t, filepath.Join(dir, "b", "1.png"), greyImage(2, 2, 2))
	writeImage(t, filepath.Join(dir, "b", "2.png"), greyImage(2, 2, 3))
	writeImage(t, filepath.Join(dir, "test", "b", "1.png"), greyImage(2, 2, 4))
	f, err := LoadFolder(dir, FolderOptions{Val: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Train.Classes, []string{"a", "b"}) || f.Train.N != 3 || !slices.Equal(f.Train.Labels, []uint8{0, 1, 1}) {
		t.Errorf("train: classes %q N %d labels %v", f.Train.Classes, f.Train.N, f.Train.Labels)
	}
	if f.Val == nil || f.Val.N != 1 || f.Val.Labels[0] != 1 || f.Val.Image(0)[0] != 4 {
		t.Fatalf("test folder not held out: %+v", f.Val)
	}
}

func TestWriteColourMNIST(t *testing.T) {
	for _, grey := range []bool{false, true} {
		dir := t.TempDir()
		if err := WriteColourMNIST(dir, ColourMNISTOptions{N: 30, Seed: 3, Grey: grey}); err != nil {
			t.Fatal(err)
		}
		f, err := LoadFolder(dir, FolderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wantC, wantSide := 3, 32
		if grey {
			wantC, wantSide = 1, 28
		}
		if s := f.Train; s.N != 30 || s.C != wantC || s.H != wantSide || s.W != wantSide || len(s.Classes) == 0 {
			t.Errorf("grey %v: %d images of %dx%dx%d, classes %q", grey, s.N, s.C, s.H, s.W, s.Classes)
		}
		if f.Val == nil || f.Val.N != 3 {
			t.Errorf("grey %v: test folder not read: %+v", grey, f.Val)
		}
		mnist, err := MNIST(Train, "")
		if err != nil {
			t.Fatal(err)
		}
		// Digit labels are the class folder names, in file order per class.
		for i := 0; i < f.Train.N; i++ {
			if d := f.Train.Classes[f.Train.Labels[i]]; len(d) != 1 || d[0] < '0' || d[0] > '9' {
				t.Fatalf("class %q is not a digit", d)
			}
		}
		if grey {
			// The first image of class 5 is MNIST's first image (a 5).
			if mnist.Labels[0] != 5 || !slices.Equal(f.Train.Image(slices.Index(f.Train.Labels, uint8(slices.Index(f.Train.Classes, "5")))), mnist.Image(0)) {
				t.Errorf("grey colour MNIST does not keep MNIST's pixels")
			}
		}
	}
}

// FuzzLoadFolderHeader writes one file of fuzzed bytes into an image
// folder: the loader must refuse it with an error naming it, or read one
// image of a size within the limits, and never panic.
func FuzzLoadFolderHeader(f *testing.F) {
	f.Add(pngBytes(f, greyImage(4, 4, 0)))
	f.Add(hugePNG(20000, 20000))
	f.Add(hugePNG(3, 0))
	f.Add([]byte("GIF89a\x10\x00\x10\x00"))
	f.Add([]byte("\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "c", "x.png")
		writeFolderFile(t, path, data)
		limits := ImageLimits{MaxPixels: 64 * 64}
		folder, err := LoadFolder(dir, FolderOptions{Limits: limits, Val: -1})
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name %s", err, path)
			}
			return
		}
		s := folder.Train
		if s.N != 1 || int64(s.H)*int64(s.W) > limits.MaxPixels || len(s.Images) != s.ImageBytes() {
			t.Fatalf("read %d images of %dx%dx%d from one file", s.N, s.C, s.H, s.W)
		}
	})
}

// TestPlanarPixels: an image's pixels as LoadFolder stores them, at its
// own size: colour in three planes, grey by luma, transparency over black.
func TestPlanarPixels(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	img.SetNRGBA(0, 0, color.NRGBA{R: 200, G: 100, B: 50, A: 255})
	img.SetNRGBA(1, 0, color.NRGBA{R: 255, G: 255, B: 255, A: 0}) // transparent white: black
	cases := []struct {
		c    int
		want []uint8
	}{
		{3, []uint8{200, 0, 100, 0, 50, 0}},
		{1, []uint8{color.GrayModel.Convert(color.RGBA{200, 100, 50, 255}).(color.Gray).Y, 0}},
	}
	for _, c := range cases {
		got, err := PlanarPixels(img, c.c)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%d channels: got %v, %v; want %v", c.c, got, err, c.want)
		}
	}
	if _, err := PlanarPixels(img, 2); err == nil || !strings.Contains(err.Error(), "2 channels: want 1 or 3") {
		t.Errorf("2 channels: got %v", err)
	}
}
