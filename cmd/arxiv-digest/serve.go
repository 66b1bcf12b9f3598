package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/spf13/cobra"

	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/serve"
	"github.com/arxiv-digest/arxiv-digest/store"
)

func newServeCmd(e *env) *cobra.Command {
	var (
		f    configFlags
		addr string
	)
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve output.dir over HTTP: the index, each day's page and the Atom feed",
		Long: `Serve the digests in output.dir until SIGINT or SIGTERM: the index at /, each
day at /<date>/ (with digest.md and digest.json beside it), the Atom feed at
/feed.xml for a feed reader to subscribe to, and /healthz. Nothing else in the
folder is served: not the store's database, its lock, nor any file outside.
The address is --addr, else serve.addr (default ` + config.DefaultServeAddr + `: this machine
only). The daemon serves too when serve.enabled is true.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			a, err := loadApp(e, f)
			if err != nil {
				return err
			}
			if c.Flags().Changed("addr") {
				if err := config.CheckAddr(addr); err != nil {
					return usageError(fmt.Errorf("--addr: %w", err))
				}
				a.cfg.Serve.Addr = addr
			}
			return a.serve(c.Context())
		},
	}
	f.register(c)
	c.Flags().StringVar(&addr, "addr", "", "host:port to listen on (default: serve.addr, or "+config.DefaultServeAddr+")")
	return c
}

// serve serves output.dir until a signal.
func (a *app) serve(ctx context.Context) error {
	if _, err := os.Stat(a.cfg.Output.Dir); errors.Is(err, fs.ErrNotExist) {
		return usageError(fmt.Errorf("output.dir %s does not exist: nothing to serve yet (`arxiv-digest run` writes the first digest there)", a.cfg.Output.Dir))
	}
	ctx, stop := withSignals(ctx, a.env, a.log, func() { os.Exit(exitInterrupt) })
	defer stop()
	wait, err := a.startServing(ctx, nil)
	if err != nil {
		return err
	}
	return wait()
}

// startServing listens on serve.addr and serves output.dir until ctx is
// done. An address it cannot listen on is an error at once (exit 1); wait
// waits for the server to stop, and returns the error that stopped it if
// it failed before ctx was done. failed, when not nil, is also called with
// that error as soon as it happens.
func (a *app) startServing(ctx context.Context, failed func(error)) (wait func() error, err error) {
	h, err := serve.New(a.cfg.Output.Dir, a.log.With("component", "serve"))
	if err != nil {
		return nil, withCode(exitFailed, err)
	}
	search, closeSearch := a.searcher()
	h.WithSearch(search)
	ln, err := serve.Listen(a.cfg.Serve.Addr)
	if err != nil {
		h.Close()
		return nil, withCode(exitFailed, err)
	}
	done := make(chan error, 1)
	go func() {
		defer closeSearch()
		defer h.Close()
		err := serve.Run(ctx, ln, h, a.log)
		if err != nil && failed != nil {
			failed(err)
		}
		done <- err
	}()
	return func() error {
		if err := <-done; err != nil {
			return withCode(exitFailed, err)
		}
		return nil
	}, nil
}

// searcher answers the server's searches: from the daemon's own store when
// it has one open, else from a read-only reader opened at the first search
// (the store may not exist yet when serving starts) and kept until close
// is called, once the server has stopped.
func (a *app) searcher() (search serve.Searcher, close func()) {
	if a.store != nil {
		return a.store.Search, func() {}
	}
	var (
		mu     sync.Mutex
		reader *store.Store
	)
	search = func(ctx context.Context, q store.SearchQuery) ([]store.SearchHit, error) {
		mu.Lock()
		if reader == nil {
			stream, err := a.cfg.Stream()
			if err != nil {
				mu.Unlock()
				return nil, err
			}
			s, err := store.OpenReadOnly(ctx, a.cfg.StorePath(), store.WithStream(stream))
			if errors.Is(err, fs.ErrNotExist) {
				mu.Unlock()
				return nil, serve.ErrNoStore
			}
			if err != nil {
				mu.Unlock()
				return nil, err
			}
			reader = s
		}
		s := reader
		mu.Unlock()
		return s.Search(ctx, q)
	}
	return search, func() {
		mu.Lock()
		defer mu.Unlock()
		if reader != nil {
			reader.Close()
		}
	}
}
