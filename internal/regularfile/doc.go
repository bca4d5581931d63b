// Package regularfile opens the files gorgozoo reads (data sets, images,
// checkpoints) only when they are regular files.
//
// A path given by a user or found in a folder may name a named pipe, a
// device or a folder instead. Opening a named pipe for reading waits for a
// writer, possibly for ever, and a device such as /dev/zero never ends, so
// a reader that opened first and looked afterwards could hang or read
// without bound. Open looks at the path before opening it, opens it in a
// way that cannot wait, and looks again at the file it actually opened, so
// a path swapped between the two looks is caught too.
package regularfile
