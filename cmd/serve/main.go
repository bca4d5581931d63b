// Command serve serves a folder of training runs to a browser — their
// curves, sample grids and configs, and a playground per checkpoint — and
// an HTTP API that generates images from any checkpoint under it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gorgozoo/gorgozoo/internal/cli"
	"github.com/gorgozoo/gorgozoo/server"
)

const summary = `
serve shows the training runs under a folder in a browser and serves an
HTTP API for generating images from their checkpoints.

  go run ./cmd/serve                        # runs/ on http://127.0.0.1:8080
  go run ./cmd/serve -root ~/runs -addr :9000

It listens on the local machine only unless -addr says otherwise, and
serves files under -root only. Ctrl-C stops it after the requests in
flight. The API is described in docs/serve.md.`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Exit(os.Stderr, "serve", run(ctx, os.Args[1:], os.Stdout, os.Stderr)))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg server.Config
	var addr string
	var memory cli.Memory
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&cfg.Root, "root", "runs", "the folder of runs and checkpoints to serve")
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; :PORT listens on every interface)")
	fs.IntVar(&cfg.MaxImages, "max-n", 256, "most images one request may generate")
	fs.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "longest time a request may wait for and spend on a generation")
	fs.IntVar(&cfg.Workers, "workers", 0, "generations at once (0: the number of CPUs)")
	fs.IntVar(&cfg.Queue, "queue", 0, "generations that may wait beyond -workers before requests get 429 (0: twice -workers)")
	fs.IntVar(&cfg.CacheModels, "cache-models", 4, "loaded models kept in memory")
	cli.RegisterMemory(fs, &memory)
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cli.PrintUsage(stdout, fs, summary)
		}
		return err
	}
	var c cli.Checks
	c.Positive("max-n", int64(cfg.MaxImages))
	c.Positive("cache-models", int64(cfg.CacheModels))
	c.NonNegative("workers", int64(cfg.Workers))
	c.NonNegative("queue", int64(cfg.Queue))
	if c.Err() == nil && cfg.Timeout <= 0 {
		return cli.Usagef("-timeout must be positive (got %v)", cfg.Timeout)
	}
	if err := c.Err(); err != nil {
		return err
	}
	cfg.ModelMemory = memory.Bytes()
	cfg.Log = log.New(stderr, "", log.LstdFlags)
	s, err := server.New(cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("-addr %s: %w", addr, err)
	}
	fmt.Fprintf(stdout, "serving %s on http://%s/ (Ctrl-C stops)\n", cfg.Root, ln.Addr())
	if err := s.Serve(ctx, ln, 10*time.Second); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}
