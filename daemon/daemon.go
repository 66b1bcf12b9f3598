// Package daemon runs the digest job on a cron schedule until it is told to
// stop: one run at a time, failed runs retried with backoff, panics
// recovered, and a graceful stop that lets a run in progress save its work.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the default zone must load on machines without zoneinfo

	"github.com/go-co-op/gocron/v2"
)

// ErrShutdownTimeout is returned by Run when a run in progress did not return
// within the shutdown timeout after ctx was cancelled. That run is still
// going: the caller must not release what it uses (close its store, say),
// and should end the process instead.
var ErrShutdownTimeout = errors.New("run still in progress at the shutdown deadline")

// Options configure Run. Run takes the values it is given: the defaults
// (arXiv's schedule, the retries) are the config package's.
type Options struct {
	// Cron is 5 fields, or 6 with seconds first (see ValidateCron).
	Cron string
	// Location the cron expression is read in.
	Location *time.Location
	// Retries is how often a failed run is retried before waiting for the
	// next scheduled run (0: never).
	Retries int
	// RetryBackoff is the delay before the first retry; it doubles for each
	// further retry, up to an hour.
	RetryBackoff time.Duration
	// RunAtStart, if set and it returns true, makes Run start a run at once
	// (the latest announcement has no digest yet). It is called once, with
	// Run's ctx, before scheduling.
	RunAtStart func(ctx context.Context) bool
	// Logger receives the daemon's logs (nil: discarded).
	Logger *slog.Logger
	// ShutdownTimeout bounds how long Run waits, after ctx is cancelled, for
	// a run in progress to return: it should cover everything a run does
	// once told to stop (finish its requests in flight, save, write).
	ShutdownTimeout time.Duration
}

// check refuses what Run cannot work with; the user's values were
// validated by the config package.
func (o Options) check() (Options, error) {
	var errs []error
	if o.Location == nil {
		errs = append(errs, errors.New("no location"))
	}
	if o.Retries < 0 || (o.Retries > 0 && o.RetryBackoff <= 0) {
		errs = append(errs, fmt.Errorf("retries %d with backoff %s: want retries >= 0, and a backoff for them", o.Retries, o.RetryBackoff))
	}
	if o.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("shutdown timeout %s: want more than 0", o.ShutdownTimeout))
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, errors.Join(errs...)
}

// Run schedules job and blocks until ctx is cancelled.
//
// Each run gets a context derived from ctx, so cancelling ctx tells a run in
// progress to stop and save what it has. Runs never overlap: a tick that
// comes while a run (with its retries) is still going is skipped. A failed
// run is retried with doubling backoff (retries end when ctx is cancelled,
// and are skipped for errors marked Permanent); a panic counts as a failure.
// A failure never stops the daemon. The next run time is logged at start and
// after each run (key "next_run").
//
// When ctx is cancelled Run stops scheduling, waits for a run in progress to
// return, and returns nil; if the run has not returned within
// Options.ShutdownTimeout it returns an error wrapping ErrShutdownTimeout,
// with the run still going.
// Errors before scheduling (an invalid cron expression: *CronError) are
// returned at once.
func Run(ctx context.Context, opts Options, job func(ctx context.Context) error) error {
	if job == nil {
		return errors.New("daemon: nil job")
	}
	spec, err := parseCron(opts.Cron)
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	opts, err = opts.check()
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	log := opts.Logger.With("component", "daemon")

	s, err := gocron.NewScheduler(
		gocron.WithLocation(opts.Location),
		gocron.WithLogger(gocronLogger{opts.Logger.With("component", "gocron")}),
		gocron.WithStopTimeout(opts.ShutdownTimeout),
	)
	if err != nil {
		return fmt.Errorf("daemon: new scheduler: %w", err)
	}
	r := &runner{opts: opts, job: job, log: log}

	runNow := opts.RunAtStart != nil && opts.RunAtStart(ctx)
	jobOpts := []gocron.JobOption{
		gocron.WithName("arxiv-digest"),
		// The run's ctx is derived from ctx: cancelling ctx cancels the run.
		gocron.WithContext(ctx),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
	}
	if runNow {
		jobOpts = append(jobOpts, gocron.WithStartAt(gocron.WithStartImmediately()))
	}
	j, err := s.NewJob(gocron.CronJob(opts.Cron, spec.withSeconds), gocron.NewTask(r.tick), jobOpts...)
	if err != nil {
		_ = s.Shutdown()
		return fmt.Errorf("daemon: schedule %q: %w", opts.Cron, err)
	}
	r.sched.Store(&j)
	s.Start()

	attrs := []any{"cron", opts.Cron, "location", opts.Location.String(), "run_at_start", runNow}
	if !runNow {
		attrs = append(attrs, r.nextRunAttrs()...)
	}
	log.Info("daemon started", attrs...)

	<-ctx.Done()
	return r.shutdown(s)
}

// runner is the state shared by the scheduled task and Run.
type runner struct {
	opts Options
	job  func(ctx context.Context) error
	log  *slog.Logger

	sched atomic.Pointer[gocron.Job] // set before the scheduler starts
	gate  gate
	runs  atomic.Int64
}

// tick is the gocron task. gocron passes the job's context, which is
// derived from Run's ctx.
func (r *runner) tick(ctx context.Context) {
	if !r.gate.enter() {
		return
	}
	defer r.gate.leave()
	if ctx.Err() != nil {
		return
	}
	r.runWithRetries(ctx, r.log.With("run", r.runs.Add(1)))
	if next := r.nextRunAttrs(); ctx.Err() == nil && next != nil {
		r.log.Info("next run scheduled", next...)
	}
}

// runWithRetries runs the job once plus up to Options.Retries retries and
// reports whether it finally succeeded.
func (r *runner) runWithRetries(ctx context.Context, log *slog.Logger) bool {
	start := time.Now()
	log.Info("run started")
	attempts := 1 + r.opts.Retries
	for attempt := 1; ; attempt++ {
		err := callJob(func() error { return r.job(ctx) })
		if err == nil {
			log.Info("run finished", "attempt", attempt, "duration", time.Since(start).Round(time.Millisecond))
			return true
		}
		failAttrs := []any{"attempt", attempt, "error", err.Error()}
		var p *PanicError
		if errors.As(err, &p) {
			failAttrs = append(failAttrs, "stack", string(p.Stack))
		}
		switch {
		case ctx.Err() != nil:
			log.Warn("run stopped by shutdown", failAttrs...)
			return false
		case IsPermanent(err):
			log.Error("run failed; not retrying until the next scheduled run", failAttrs...)
			return false
		case attempt >= attempts:
			log.Error("run failed; giving up until the next scheduled run", append(failAttrs, "attempts", attempt)...)
			return false
		}
		wait := backoff(r.opts.RetryBackoff, attempt)
		log.Warn("run failed; retrying", append(failAttrs, "retry_in", wait)...)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			log.Info("retry cancelled by shutdown")
			return false
		case <-t.C:
		}
	}
}

// nextRunAttrs are the log attributes for the next scheduled run, or nil
// when gocron cannot tell (the scheduler is stopping).
func (r *runner) nextRunAttrs() []any {
	j := r.sched.Load()
	if j == nil {
		return nil
	}
	next, err := (*j).NextRun()
	if err != nil || next.IsZero() {
		return nil
	}
	next = next.In(r.opts.Location)
	return []any{"next_run", next, "next_run_in", time.Until(next).Round(time.Second)}
}

// shutdown stops scheduling and waits for a run in progress, within
// Options.ShutdownTimeout.
func (r *runner) shutdown(s gocron.Scheduler) error {
	deadline := time.Now().Add(r.opts.ShutdownTimeout)
	idle := r.gate.close()
	select {
	case <-idle:
	default:
		r.log.Info("stopping: waiting for the run in progress to save its work", "timeout", r.opts.ShutdownTimeout)
	}

	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	var timedOut bool
	select {
	case <-idle:
	case <-t.C:
		timedOut = true
	}

	sctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := s.ShutdownWithContext(sctx); err != nil && !timedOut {
		// Our runs are done; a slow scheduler stop is not the user's problem.
		r.log.Warn("scheduler stop", "error", err.Error())
	}
	if timedOut {
		r.log.Error("stopped with a run still in progress", "timeout", r.opts.ShutdownTimeout)
		return fmt.Errorf("daemon: stop after %s: %w", r.opts.ShutdownTimeout, ErrShutdownTimeout)
	}
	r.log.Info("daemon stopped")
	return nil
}

// gocronLogger passes gocron's own logs on, its Info demoted to Debug: the
// daemon logs what a user needs itself.
type gocronLogger struct{ l *slog.Logger }

func (g gocronLogger) Debug(msg string, args ...any) { g.l.Debug(msg, args...) }
func (g gocronLogger) Info(msg string, args ...any)  { g.l.Debug(msg, args...) }
func (g gocronLogger) Warn(msg string, args ...any)  { g.l.Warn(msg, args...) }
func (g gocronLogger) Error(msg string, args ...any) { g.l.Error(msg, args...) }

var _ gocron.Logger = gocronLogger{}
