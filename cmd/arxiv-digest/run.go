package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/fetch"
	"github.com/arxiv-digest/arxiv-digest/lock"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/pipeline"
)

func newRunCmd(e *env) *cobra.Command {
	var (
		f      configFlags
		opts   pipeline.Options
		wait   bool
		dryRun bool
	)
	c := &cobra.Command{
		Use:   "run",
		Short: "Build the digest of the latest announcement (or of --date) once",
		Long: `Fetch the latest arXiv announcement for your categories (or, with --date, rebuild
a past announcement day from the arXiv API), judge every paper not judged
before, and write <output.dir>/<date>/digest.{md,html,json}.

Exit codes: 0 complete (or no announcements), 1 failed, 2 usage or config
error, 3 written but some papers could not be judged, 4 another run holds the
lock, 5 written but an email or webhook delivery failed (the next run tries
again), 130 interrupted (the digest was written with the rest skipped).

With llm.mode batch the day's papers go to OpenAI's Batch API (half the
price, answered within 24 hours): run waits for the batch with a progress
bar, up to llm.batch_max_wait (exit 3 if it has not ended by then);
--no-wait submits it and exits 0, and a later run (or the daemon) collects
it and writes the digest. Ctrl-C while waiting leaves the batch running and
exits 130 naming it; --cancel-batch cancels it and writes the digest with
what it answered. A batch is never submitted twice: a run that finds an
open batch in the store polls it on.

With email or notify configured, a finished day is delivered once to each
recipient and webhook: a rerun, --force or render never sends it again (see
"arxiv-digest send").`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.Date != "" {
				if err := fetch.CheckDate(opts.Date, time.Now()); err != nil {
					return usageError(fmt.Errorf("--date: %w", err))
				}
			}
			a, err := loadApp(e, f)
			if err != nil {
				return err
			}
			if dryRun {
				return a.dryRun(c.Context(), opts)
			}
			if err := a.requireKey(); err != nil {
				return err
			}
			if err := a.requireDelivery(); err != nil {
				return err
			}
			if (opts.NoWait || opts.CancelBatch) && !a.batchMode() {
				return usageError(fmt.Errorf("--no-wait and --cancel-batch need llm.mode: batch (the config says %s)", a.cfg.LLM.Mode))
			}
			return a.runOnce(c.Context(), opts, wait, func() { os.Exit(exitInterrupt) })
		},
	}
	f.register(c)
	c.Flags().StringVar(&opts.Date, "date", "", "rebuild this past announcement day (YYYY-MM-DD) from the arXiv API")
	c.Flags().BoolVar(&opts.Force, "force", false, "rebuild a day that already has a complete digest (still paying only for new judgements)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "fetch, apply the filter and the store, and print the requests, tokens and cost a run would spend; no model request, nothing written")
	c.Flags().BoolVar(&wait, "wait", false, "wait for another run holding the lock instead of exiting with code 4")
	c.Flags().BoolVar(&opts.NoWait, "no-wait", false, "batch mode: submit the day's batch (or poll an open one) and exit 0; a later run collects it")
	c.Flags().BoolVar(&opts.CancelBatch, "cancel-batch", false, "batch mode: cancel the open batch, keep what it answered and write the digest")
	return c
}

// runOnce takes the lock, runs the pipeline once and reports. quit is
// called on a second signal.
func (a *app) runOnce(ctx context.Context, opts pipeline.Options, wait bool, quit func()) error {
	l, err := a.lock(ctx, "run", wait)
	if err != nil {
		return err
	}
	defer func() {
		if err := l.Release(); err != nil {
			a.log.Error("release lock", "err", err)
		}
	}()
	if err := a.openStore(ctx); err != nil {
		return err
	}
	defer a.close()

	if opts.CancelBatch {
		open, err := a.store.OpenBatches(ctx)
		if err != nil {
			return withCode(exitFailed, err)
		}
		if len(open) == 0 {
			fmt.Fprintln(a.env.stdout, "no open batch: nothing to cancel")
			return nil
		}
	}
	ctx, stop := withSignals(ctx, a.env, a.log, quit)
	defer stop()
	r := a.runner(newProgress(a.env, a.log))
	res, err := r.Run(ctx, opts)
	undelivered := a.summarizeAll(ctx, r, res)
	if res != nil && res.Pending != nil {
		return deliveryExit(pendingExit(res.Pending, err), undelivered)
	}
	return deliveryExit(runExit(res, err), undelivered)
}

// lock takes the run lock, or says who holds it (exit 4).
func (a *app) lock(ctx context.Context, command string, wait bool) (*lock.Lock, error) {
	host, _ := os.Hostname()
	h := lock.Holder{PID: os.Getpid(), Since: time.Now(), Command: "arxiv-digest " + command, Host: host}
	path := a.cfg.LockPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, withCode(exitFailed, err)
	}
	var (
		l   *lock.Lock
		err error
	)
	if wait {
		l, err = lock.Acquire(ctx, path, h, 500*time.Millisecond)
	} else {
		l, err = lock.TryAcquire(path, h)
	}
	switch {
	case errors.Is(err, lock.ErrHeld):
		return nil, withCode(exitLocked, err)
	case err != nil:
		return nil, withCode(exitFailed, err)
	}
	return l, nil
}

// runExit picks the exit code of a finished run.
func runExit(res *pipeline.Result, err error) error {
	var fatal *classify.FatalError
	switch {
	case errors.Is(err, classify.ErrBatchUnsupported):
		return usageError(fmt.Errorf("llm.mode is batch, but %w", err))
	case errors.Is(err, pipeline.ErrInterrupted), errors.Is(err, context.Canceled):
		return withCode(exitInterrupt, err)
	case errors.As(err, &fatal):
		return withCode(exitFailed, fmt.Errorf("the model API refused the run: %w", err))
	case errors.Is(err, classify.ErrBudget):
		return withCode(exitIncomplete, err)
	case errors.Is(err, classify.ErrRateLimitPatience):
		// The digest is written with the rest skipped; a later run pays
		// only for those.
		return withCode(exitIncomplete, fmt.Errorf("%w; run again later", err))
	case err != nil:
		return withCode(exitFailed, err)
	case res.Digest.Stats.Failed > 0 || res.Digest.Stats.Skipped > 0:
		return withCode(exitIncomplete, fmt.Errorf("%d papers could not be judged and %d were skipped; run again to retry them",
			res.Digest.Stats.Failed, res.Digest.Stats.Skipped))
	}
	return nil
}

// summarize prints what the run did, for a person or a cron mail.
func (a *app) summarize(res *pipeline.Result) {
	d := res.Digest
	w := a.env.stdout
	switch {
	case res.Rewritten:
		fmt.Fprintf(w, "%s: digest already complete in the store; rewrote its files in %s without a model request\n", d.Date, res.Dir)
		return
	case res.AlreadyDone:
		fmt.Fprintf(w, "%s: digest already complete in %s (use --force to rebuild)\n", d.Date, res.Dir)
		return
	case d.NoAnnouncements:
		fmt.Fprintf(w, "%s: no announcements; wrote %s\n", d.Date, res.Dir)
		return
	}
	fmt.Fprintf(w, "%s: %d fetched, %d kept, %d judged, %d failed, %d skipped, %d selected\n",
		d.Date, d.Stats.Fetched, d.Stats.Kept, d.Stats.Judged, d.Stats.Failed, d.Stats.Skipped, d.Stats.Selected)
	if d.Stats.Filtered > 0 || d.Stats.Followed > 0 {
		fmt.Fprintf(w, "  filter: %d left out (no request), %d by followed authors\n", d.Stats.Filtered, d.Stats.Followed)
	}
	fmt.Fprintf(w, "  this run: %d model requests, %s tokens\n", res.Requests, tokens(res.Usage))
	if d.Stats.CostUSD != nil {
		fmt.Fprintf(w, "  day total: %s tokens, about $%.4f\n", tokens(d.Stats.Tokens), *d.Stats.CostUSD)
	}
	fmt.Fprintf(w, "  digest: %s\n", filepath.Join(res.Dir, "digest.html"))
}

func tokens(u model.Usage) string {
	return fmt.Sprintf("%d prompt (%d cached) + %d completion", u.Prompt, u.Cached, u.Completion)
}
