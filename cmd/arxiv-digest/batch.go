package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/pipeline"
	"github.com/arxiv-digest/arxiv-digest/render"
)

// batchPollMin, when set, is the first wait between two polls of a batch
// (classify.DefaultBatchPollMin otherwise): in-process tests shorten it.
var batchPollMin time.Duration

// batchMode reports whether the model is asked through the Batch API.
func (a *app) batchMode() bool { return a.cfg.LLM.Mode == config.ModeBatch }

// pendingExit is the exit of a run that left its batch open: 0 when it
// was not to wait (--no-wait, llm.batch_max_wait 0), 3 when it waited
// llm.batch_max_wait in vain, 130 when a signal stopped it; the batch goes
// on either way, and the message says how to collect it.
func pendingExit(p *pipeline.PendingBatch, err error) error {
	collect := fmt.Sprintf("batch %s (%s of %s) is %s, %d of %d answered; it goes on, and `arxiv-digest run` (or the daemon) collects it and writes the digest",
		p.ID, p.Task, p.Date, p.Status, p.Completed, p.Total)
	switch {
	case errors.Is(err, pipeline.ErrInterrupted), errors.Is(err, context.Canceled):
		return withCode(exitInterrupt, fmt.Errorf("%s: %w", collect, err))
	case err != nil:
		return runExit(nil, err)
	case p.Waited:
		return withCode(exitIncomplete, fmt.Errorf("the batch did not end within llm.batch_max_wait; %s", collect))
	}
	return nil
}

// summarizePending says what a run that left its batch open did.
func (a *app) summarizePending(res *pipeline.Result) {
	p := res.Pending
	fmt.Fprintf(a.env.stdout, "%s: batch %s (%s) submitted or polled: %s, %d of %d answered, %d failed\n",
		p.Date, p.ID, p.Task, p.Status, p.Completed, p.Total, p.Failed)
	fmt.Fprintf(a.env.stdout, "  collect it with `arxiv-digest run` (or let the daemon); cancel it with `arxiv-digest run --cancel-batch`\n")
}

// summarizeAll prints a run's result and those of the earlier days it
// collected first, and delivers every finished day; the error joins the
// failed deliveries.
func (a *app) summarizeAll(ctx context.Context, r *pipeline.Runner, res *pipeline.Result) error {
	if res == nil {
		return nil
	}
	var undelivered error
	for _, e := range res.Earlier {
		undelivered = errors.Join(undelivered, a.summarizeAll(ctx, r, e))
	}
	if res.Pending != nil {
		a.summarizePending(res)
		return undelivered
	}
	a.summarize(res)
	return errors.Join(undelivered, a.deliverDay(ctx, r, res))
}

// checkBatches proves the server has a Batch API (a request that sends no
// paper) and lists the stream's open batches as the API sees them.
func (a *app) checkBatches(ctx context.Context) error {
	eng, err := classify.New(a.engineOptions())
	if err != nil {
		return err
	}
	if err := eng.CheckBatchAPI(ctx); err != nil {
		return err
	}
	if err := a.openStore(ctx); err != nil {
		return err
	}
	defer a.close()
	open, err := a.store.OpenBatches(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.env.stdout, "batch ok: %s has the Batch API; %s open\n", a.cfg.LLM.BaseURL, render.Plural(len(open), "batch", "batches"))
	for _, b := range open {
		state := b.State
		if b.ID != "" {
			if cur, err := eng.GetBatch(ctx, b.ID); err == nil {
				state, b.Completed, b.Failed, b.Total = cur.Status, cur.Completed, cur.Failed, cur.Total
			}
		}
		fmt.Fprintf(a.env.stdout, "  %s %s %s: %s, %d of %d answered, %d failed (submitted %s)\n",
			b.Date, b.Task, b.ID, state, b.Completed, b.Total, b.Failed, b.CreatedAt.Local().Format(time.DateTime))
	}
	return nil
}

// pollBatches is the daemon's work between scheduled runs in batch mode:
// it polls the open batches with backoff (up to llm.batch_poll_max), and
// when one ends collects it, writes the day (submitting the next pass's
// batch, such as the TL;DRs) and delivers it.
func (a *app) pollBatches(ctx context.Context) {
	delay := batchPollMin
	if delay <= 0 {
		delay = classify.DefaultBatchPollMin
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		open, err := a.store.OpenBatches(ctx)
		if err != nil {
			a.log.Error("read open batches", "err", err)
			continue
		}
		if len(open) == 0 {
			delay = a.cfg.LLM.BatchPollMax.D()
			continue
		}
		if err := a.collectOnce(ctx, open[len(open)-1].Date); err != nil && ctx.Err() == nil {
			a.log.Error("poll batches", "err", err)
		}
		delay = min(2*delay, a.cfg.LLM.BatchPollMax.D())
	}
}

// collectOnce polls a day's open batch once, under the lock, and writes
// and delivers the day when its work is done.
func (a *app) collectOnce(ctx context.Context, date string) error {
	l, err := a.lock(ctx, "daemon", true)
	if err != nil {
		return err
	}
	defer l.Release()
	r := a.runner(&logProgress{log: a.log, every: time.Minute})
	res, err := r.Run(ctx, pipeline.Options{Date: date, NoWait: true})
	if res != nil && res.Pending == nil {
		err = errors.Join(err, a.summarizeAll(ctx, r, res))
	}
	return err
}
