//go:build !unix

package regularfiletest

import "errors"

const canMkfifo = false

func mkfifo(string) error { return errors.New("named pipes are not supported on this system") }
