package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/deliver"
	"github.com/arxiv-digest/arxiv-digest/fetch"
	"github.com/arxiv-digest/arxiv-digest/pipeline"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// app is what the commands that do work share: the config, a logger, and
// (opened on demand) the store and the pipeline.
type app struct {
	env    *env
	cfg    *config.Config
	log    *slog.Logger
	apiKey string
	store  *store.Store
	// deliv delivers finished days (nil: no email or webhook configured);
	// mailer is its email part, for check --online.
	deliv  *deliver.Deliverer
	mailer *deliver.Mailer
}

// loadApp finds and loads the config and sets up logging. Config errors are
// usage errors (exit 2).
func loadApp(e *env, f configFlags) (*app, error) {
	path, err := config.Find(f.path, e.getenv)
	if err != nil {
		return nil, usageError(err)
	}
	cfg, err := config.Load(path, e.getenv)
	if err != nil {
		return nil, usageError(err)
	}
	return &app{env: e, cfg: cfg, log: newLogger(e, cfg.Log, f.verbose)}, nil
}

// requireKey reads the API key; a missing key is a usage error (exit 2).
func (a *app) requireKey() error {
	key, err := a.cfg.APIKey(a.env.getenv)
	if err != nil {
		return usageError(err)
	}
	a.apiKey = key
	return nil
}

func (a *app) openStore(ctx context.Context) error {
	stream, err := a.cfg.Stream()
	if err != nil {
		return usageError(err)
	}
	s, err := store.Open(ctx, a.cfg.StorePath(), store.WithStream(stream))
	if err != nil {
		return withCode(exitFailed, err)
	}
	a.store = s
	return nil
}

func (a *app) close() {
	if a.store != nil {
		if err := a.store.Close(); err != nil {
			a.log.Error("close store", "err", err)
		}
	}
}

func (a *app) fetcher() *fetch.Client {
	return fetch.New(fetch.NewHTTPClient(), fetch.Options{
		RSSURL:    a.cfg.Arxiv.RSSURL,
		APIURL:    a.cfg.Arxiv.APIURL,
		UserAgent: userAgent(),
		Logger:    a.log, // fetch names itself as the component
	})
}

func userAgent() string {
	return "arxiv-digest/" + version + " (+https://github.com/arxiv-digest/arxiv-digest)"
}

func (a *app) engineOptions() classify.Options {
	l := a.cfg.LLM
	opts := classify.Options{
		BaseURL:           l.BaseURL,
		APIKey:            a.apiKey,
		Model:             l.Model,
		Concurrency:       l.Concurrency,
		Timeout:           l.Timeout.D(),
		MaxRetries:        l.MaxRetries,
		MaxRateLimitWait:  l.MaxRateLimitWait.D(),
		RequestsPerMinute: l.RequestsPerMinute,
		TokensPerMinute:   l.TokensPerMinute,
		Temperature:       l.Temperature,
		ReasoningEffort:   l.ReasoningEffort,
		MaxCostUSD:        l.MaxCostUSD,
		Grace:             l.Grace.D(),
		Logger:            a.log.With("component", "classify"),
	}
	if p := l.PricePerMillion; p != nil {
		price := *p
		opts.Price = &price
	}
	return opts
}

func (a *app) runner(progress pipeline.Progress) *pipeline.Runner {
	return &pipeline.Runner{
		Config:  a.cfg,
		Fetcher: a.fetcher(),
		Store:   a.store,
		NewEngine: func() (*classify.Engine, error) {
			return classify.New(a.engineOptions())
		},
		Progress: progress,
		Logger:   a.log,
	}
}

func newLogger(e *env, c config.Log, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	switch c.Level {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	if verbose {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

func notifySignals() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return ch, func() { signal.Stop(ch) }
}

// errForceQuit is the cause of a context cancelled by a second signal.
var errForceQuit = errors.New("second signal")

// withSignals returns a context cancelled by the first SIGINT/SIGTERM. A
// second signal calls quit (which exits at once).
func withSignals(ctx context.Context, e *env, log *slog.Logger, quit func()) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	ch, stop := e.signals()
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			log.Warn("stopping: finishing requests in flight and saving; send the signal again to quit at once", "signal", sig.String())
			cancel(fmt.Errorf("received %s", sig))
		case <-done:
			return
		}
		select {
		case <-ch:
			quit()
		case <-done:
		}
	}()
	return ctx, func() { close(done); stop(); cancel(nil) }
}
