// Package datasets reads image data sets and feeds them to training in
// reproducible batches.
//
// Files are in the IDX format MNIST is distributed in (ReadIDX, WriteIDX),
// gzipped or not. Only unsigned-byte IDX is supported, and every header is
// checked against the file before any large allocation, so a corrupt or
// hostile file produces an error naming it rather than a crash or an
// out-of-memory kill. An IDX file holds at most 2^31 bytes, and each of its
// items (an image: the dimensions after the first) at most
// DefaultMaxImagePixels bytes.
//
// Images in PNG, JPEG or GIF files are read by ReadImage and DecodeImage,
// which check the size a file's header declares against ImageLimits before
// decoding, so that a small file declaring a huge image costs nothing.
//
// Every reader opens regular files only: a folder, a named pipe or a
// device where a file is expected is an error naming it, and a named pipe
// never makes a reader wait.
//
// MNIST needs no set-up: the package imports the GoMNIST module, which
// carries the four IDX files, so the go command downloads them with the
// code, and MNISTDir finds them in the module cache. A folder given by the
// caller or by $GORGOZOO_DATA takes precedence.
//
// Images stay as uint8 in a Set (a quarter of the memory of float32);
// a Loader converts one batch at a time into buffers the caller reuses.
// The batch order of each epoch depends only on the seed and the epoch
// number, so a run resumed from a checkpoint replays exactly the batches
// an uninterrupted run would have seen.
//
// Synthetic makes a small deterministic stand-in for MNIST for tests.
package datasets
