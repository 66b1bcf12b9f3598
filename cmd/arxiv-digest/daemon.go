package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/daemon"
	"github.com/arxiv-digest/arxiv-digest/fetch"
	"github.com/arxiv-digest/arxiv-digest/pipeline"
	"github.com/arxiv-digest/arxiv-digest/store"
)

func newDaemonCmd(e *env) *cobra.Command {
	var f configFlags
	c := &cobra.Command{
		Use:   "daemon",
		Short: "Run on arXiv's schedule (schedule.cron in schedule.timezone) until stopped",
		Long: `Run the digest on a schedule: by default at 20:30 US Eastern, Sunday to Thursday,
just after arXiv's 20:00 announcements. A run that fails (arXiv is sometimes
late) is retried with backoff; a failure never stops the daemon. On start, if
the latest announcement has no digest yet, it runs at once. SIGINT or SIGTERM
stops scheduling, lets a run in progress save its work (its requests in
flight get llm.grace, the saving ` + saveMargin.String() + ` more), and exits 0.
With serve.enabled, the daemon also serves output.dir on serve.addr, as
"arxiv-digest serve" does, and stops serving on the same signal.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			a, err := loadApp(e, f)
			if err != nil {
				return err
			}
			if err := a.requireKey(); err != nil {
				return err
			}
			if err := a.requireDelivery(); err != nil {
				return err
			}
			return a.daemon(c.Context())
		},
	}
	f.register(c)
	return c
}

func (a *app) daemon(ctx context.Context) error {
	loc, err := time.LoadLocation(a.cfg.Schedule.Timezone)
	if err != nil {
		return usageError(err)
	}
	if err := a.openStore(ctx); err != nil {
		return err
	}
	stillRunning := false
	defer func() {
		if !stillRunning {
			a.close()
		}
	}()
	ctx, stop := withSignals(ctx, a.env, a.log, func() { os.Exit(exitInterrupt) })
	defer stop()

	a.log.Info("arxiv-digest daemon", "version", version, "config", a.cfg.Path,
		"categories", a.cfg.Arxiv.Categories, "pid", os.Getpid())
	// With serve.enabled the pages are served alongside the schedule; a
	// server that fails stops the daemon, so that its supervisor restarts
	// both.
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	var served func() error
	if a.cfg.Serve.Enabled {
		if err := os.MkdirAll(a.cfg.Output.Dir, 0o755); err != nil {
			return withCode(exitFailed, fmt.Errorf("output.dir: %w", err))
		}
		if served, err = a.startServing(ctx, fail); err != nil {
			return err
		}
	}
	err = daemon.Run(ctx, daemon.Options{
		Cron:         a.cfg.Schedule.Cron,
		Location:     loc,
		Retries:      a.cfg.Schedule.Retries,
		RetryBackoff: a.cfg.Schedule.RetryBackoff.D(),
		RunAtStart:   a.missingLatest,
		Logger:       a.log, // daemon names itself as the component
		// After a signal the run in progress gets llm.grace for its
		// requests in flight, then saves them and writes the digest.
		ShutdownTimeout: a.shutdownTimeout(),
	}, a.scheduledRun)
	if served != nil {
		fail(nil) // the daemon may have stopped on its own
		if serr := served(); serr != nil && err == nil {
			err = serr
		}
	}
	if errors.Is(err, daemon.ErrShutdownTimeout) {
		// The run is still going, and still saving to the store: closing
		// the store under it would lose what it is saving. The process
		// exits with the store open instead, as a kill would end it: every
		// judgement saved so far is committed, and the next run resumes
		// the day from the store.
		stillRunning = true
		a.log.Error("a run was still saving at the shutdown deadline; exiting without closing the store (the next run resumes the day)",
			"timeout", a.shutdownTimeout())
	}
	if err != nil {
		return withCode(exitFailed, err)
	}
	return nil
}

// saveMargin is how long, beyond llm.grace, the daemon waits after a signal
// for a run in progress: once its last answers are in, the run still saves
// them, builds the digest from the store and writes the digest and the
// history pages. That takes well under a second for a 2,000-paper day
// (docs/benchmarks.md); the margin is generous so that a slow or busy disk
// does not cut the digest short.
const saveMargin = 30 * time.Second

// shutdownTimeout is how long the daemon waits after a signal for a run in
// progress: the grace its model requests get, plus saveMargin.
func (a *app) shutdownTimeout() time.Duration {
	return a.cfg.LLM.Grace.D() + saveMargin
}

// missingLatest reports whether the newest announcement arXiv should have
// made by now has no complete digest yet.
func (a *app) missingLatest(ctx context.Context) bool {
	date := fetch.LatestAnnouncement(time.Now())
	run, _, err := a.store.Run(ctx, date)
	missing := errors.Is(err, store.ErrNoRun) || (err == nil && run.Status != store.RunComplete)
	a.log.Info("checked latest announcement", "date", date, "has_digest", !missing)
	return missing
}

// scheduledRun is one scheduled run: it waits for a manual run holding the
// lock, and treats a feed that does not yet show the expected announcement
// as a failure to retry later. If the feed has moved past the expected day
// (the daemon was down when it was announced), that day is rebuilt from the
// arXiv API.
func (a *app) scheduledRun(ctx context.Context) error {
	want := fetch.LatestAnnouncement(time.Now())
	l, err := a.lock(ctx, "daemon", true)
	if err != nil {
		return err
	}
	defer l.Release()
	r := a.runner(&logProgress{log: a.log, every: time.Minute})
	res, err := r.Run(ctx, pipeline.Options{NotBefore: want})
	if res != nil {
		a.summarize(res)
	}
	// A day whose delivery failed is retried like a failed run: the retry
	// finds the day complete (no model request) and delivers it.
	undelivered := a.deliverDay(ctx, r, res)
	if err == nil && res.Digest.Date > want {
		if _, _, serr := a.store.Run(ctx, want); errors.Is(serr, store.ErrNoRun) {
			a.log.Warn("the feed has moved past a day without a digest; rebuilding it from the arXiv API", "date", want)
			res, err = r.Run(ctx, pipeline.Options{Date: want})
			if res != nil {
				a.summarize(res)
			}
			undelivered = errors.Join(undelivered, a.deliverDay(ctx, r, res))
		}
	}
	if err == nil && undelivered != nil {
		return fmt.Errorf("delivery failed: %w", undelivered)
	}
	return retryVerdict(err)
}

// retryVerdict marks the errors the daemon must not retry. Everything else
// is retried with backoff: a late feed, a network fault, and a server that
// asked to wait longer than llm.max_rate_limit_wait (ErrRateLimitPatience),
// whose limit may well have reset by the next try.
func retryVerdict(err error) error {
	var fatal *classify.FatalError
	switch {
	case errors.As(err, &fatal):
		// A bad key or an unknown model will not fix itself by retrying.
		return daemon.Permanent(fmt.Errorf("the model API refused the run: %w", err))
	case errors.Is(err, classify.ErrBudget):
		// Each retry would spend another llm.max_cost_usd.
		return daemon.Permanent(err)
	}
	return err
}
