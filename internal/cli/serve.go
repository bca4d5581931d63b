package cli

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"path/filepath"
	"time"

	"github.com/gorgozoo/gorgozoo/server"
)

// Serve starts, when addr is not empty (-serve), a server of the folder
// that holds the run folder dir, listening on addr until stop, and prints
// the address of the run's page. Call stop when the run ends.
func Serve(ctx context.Context, addr, dir string, stdout, stderr io.Writer) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	s, err := server.New(server.Config{Root: filepath.Dir(dir), Log: log.New(stderr, "serve: ", log.LstdFlags)})
	if err != nil {
		return nil, fmt.Errorf("-serve: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("-serve %s: %w", addr, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Serve(ctx, ln, time.Second); err != nil {
			fmt.Fprintf(stderr, "serve: %v\n", err)
		}
		s.Close()
	}()
	fmt.Fprintf(stdout, "watch the run at http://%s/run?run=%s\n", ln.Addr(), url.QueryEscape(filepath.Base(dir)))
	return func() { cancel(); <-done }, nil
}
