package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// everySecond fires at every second: the fastest gocron schedule.
const everySecond = "*/1 * * * * *"

// never-in-a-test: once a year, at New Year.
const yearly = "0 0 1 1 *"

// waitLimit bounds every wait in these tests. It is generous on purpose: it
// only turns a hang into a failure, it asserts no speed.
const waitLimit = 15 * time.Second

// runHandle is a Run going on in a goroutine.
type runHandle struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned
	err    error         // Run's result, set before done is closed
}

// startRun runs Run in a goroutine; the test's cleanup stops it.
func startRun(t *testing.T, opts Options, job func(context.Context) error) *runHandle {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &runHandle{cancel: cancel, done: make(chan struct{})}
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = waitLimit
	}
	go func() {
		defer close(h.done)
		h.err = Run(ctx, opts, job)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(waitLimit):
			t.Error("Run did not return after cancel")
		}
	})
	return h
}

// stop cancels Run and returns its error.
func (h *runHandle) stop(t *testing.T) error {
	t.Helper()
	h.cancel()
	select {
	case <-h.done:
		return h.err
	case <-time.After(waitLimit):
		t.Fatal("Run did not return after cancel")
		return nil
	}
}

// waitFor waits for n values on ch.
func waitFor(t *testing.T, ch <-chan int64, n int64, what string) {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case got := <-ch:
			if got >= n {
				return
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestRunsRepeatedlyAndLogsNextRun(t *testing.T) {
	t.Parallel()
	logs, logger := newLogBuffer()
	var calls atomic.Int64
	called := make(chan int64, 100)
	run := startRun(t, Options{Cron: everySecond, Location: time.UTC, Logger: logger},
		func(ctx context.Context) error {
			called <- calls.Add(1)
			return nil
		})
	waitFor(t, called, 2, "two runs")
	// A run's "next run scheduled" follows its "run finished"; on a busy
	// machine the second run may still be between the two.
	for deadline := time.Now().Add(10 * time.Second); len(logs.withMsg(t, "next run scheduled")) == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if err := run.stop(t); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if n := len(logs.withMsg(t, "run finished")); n < 2 {
		t.Errorf("%d \"run finished\" records, want >= 2", n)
	}
	// After each run the next one is announced.
	recs := logs.withMsg(t, "next run scheduled")
	if len(recs) == 0 {
		t.Fatal("no \"next run scheduled\" record after a run")
	}
	for _, r := range recs {
		next, err := time.Parse(time.RFC3339, fmt.Sprint(r["next_run"]))
		if err != nil {
			t.Errorf("next_run %v is not a time: %v", r["next_run"], err)
		} else if next.Nanosecond() != 0 {
			t.Errorf("next_run %v is not on a whole second", next)
		}
	}
}

func TestNextRunLogged(t *testing.T) {
	t.Parallel()
	logs, logger := newLogBuffer()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	called := make(chan int64, 10)
	run := startRun(t, Options{
		Cron: yearly, Location: ny, Logger: logger,
		RunAtStart: func(context.Context) bool { return false },
	}, func(ctx context.Context) error { called <- 1; return nil })

	// The start record names the next New Year in New York.
	var start map[string]any
	deadline := time.Now().Add(waitLimit)
	for start == nil && time.Now().Before(deadline) {
		if r := logs.withMsg(t, "daemon started"); len(r) > 0 {
			start = r[0]
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if start == nil {
		t.Fatal("no \"daemon started\" record")
	}
	got, err := time.Parse(time.RFC3339, fmt.Sprint(start["next_run"]))
	if err != nil {
		t.Fatalf("next_run %v is not a time: %v", start["next_run"], err)
	}
	want := time.Date(time.Now().In(ny).Year()+1, 1, 1, 0, 0, 0, 0, ny)
	if !got.Equal(want) {
		t.Errorf("next_run = %v, want %v", got, want)
	}
	if !strings.HasSuffix(fmt.Sprint(start["next_run"]), "-05:00") {
		t.Errorf("next_run %v not shown in the schedule's zone", start["next_run"])
	}
	if start["cron"] != yearly || start["location"] != "America/New_York" {
		t.Errorf("start record = %v", start)
	}
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	select {
	case <-called:
		t.Error("job ran although RunAtStart returned false and the schedule is yearly")
	default:
	}
}

func TestRunsNeverOverlap(t *testing.T) {
	t.Parallel()
	var running, maxRunning, calls atomic.Int64
	started := make(chan int64, 100)
	_, logger := newLogBuffer()
	run := startRun(t, Options{Cron: everySecond, Location: time.UTC, Logger: logger},
		func(ctx context.Context) error {
			n := running.Add(1)
			defer running.Add(-1)
			for {
				m := maxRunning.Load()
				if n <= m || maxRunning.CompareAndSwap(m, n) {
					break
				}
			}
			started <- calls.Add(1)
			// Longer than the interval: the next tick comes while we run.
			select {
			case <-time.After(1500 * time.Millisecond):
			case <-ctx.Done():
			}
			return nil
		})
	waitFor(t, started, 2, "two runs")
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	if m := maxRunning.Load(); m != 1 {
		t.Errorf("up to %d runs at once, want 1", m)
	}
}

func TestFailedRunRetriedThenNextTick(t *testing.T) {
	t.Parallel()
	logs, logger := newLogBuffer()
	var calls atomic.Int64
	type call struct{ n, giveUps, retries int }
	seen := make(chan call, 100)
	called := make(chan int64, 100)
	run := startRun(t, Options{
		Cron: everySecond, Location: time.UTC, Logger: logger,
		Retries: 2, RetryBackoff: 5 * time.Millisecond,
	}, func(ctx context.Context) error {
		n := calls.Add(1)
		seen <- call{
			n:       int(n),
			giveUps: len(logs.withMsg(t, "run failed; giving up until the next scheduled run")),
			retries: len(logs.withMsg(t, "run failed; retrying")),
		}
		called <- n
		return errors.New("feed unavailable")
	})
	waitFor(t, called, 4, "the first run of the next tick")
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	close(seen)
	// Calls 1-3 are one run (1 try + 2 retries), call 4 the next tick's.
	want := []call{{1, 0, 0}, {2, 0, 1}, {3, 0, 2}, {4, 1, 2}}
	var got []call
	for c := range seen {
		got = append(got, c)
	}
	if len(got) < len(want) {
		t.Fatalf("calls = %v, want at least %v", got, want)
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("call %d saw %+v, want %+v", i+1, got[i], w)
		}
	}
	retries := logs.withMsg(t, "run failed; retrying")
	wantWait := []float64{float64(5 * time.Millisecond), float64(10 * time.Millisecond)}
	for i, r := range retries[:2] {
		if r["retry_in"] != wantWait[i] || r["error"] != "feed unavailable" {
			t.Errorf("retry record %d = %v, want retry_in %v", i+1, r, wantWait[i])
		}
	}
}

func TestPanickingJobDoesNotKillDaemon(t *testing.T) {
	t.Parallel()
	logs, logger := newLogBuffer()
	var calls atomic.Int64
	called := make(chan int64, 100)
	run := startRun(t, Options{Cron: everySecond, Location: time.UTC, Logger: logger, Retries: 0},
		func(ctx context.Context) error {
			called <- calls.Add(1)
			panic("nil map in classify")
		})
	waitFor(t, called, 2, "a run after the panic")
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	recs := logs.withMsg(t, "run failed; giving up until the next scheduled run")
	if len(recs) == 0 {
		t.Fatal("panic not logged as a failed run")
	}
	r := recs[0]
	if r["error"] != "job panicked: nil map in classify" {
		t.Errorf("error = %v", r["error"])
	}
	if s, _ := r["stack"].(string); !strings.Contains(s, "daemon_test.go") {
		t.Errorf("stack does not point at the panic: %.200q", s)
	}
	if len(logs.withMsg(t, "run failed; retrying")) != 0 {
		t.Error("retried although Retries < 0")
	}
}

func TestRunAtStart(t *testing.T) {
	t.Parallel()
	_, logger := newLogBuffer()
	var gotCtx atomic.Bool
	called := make(chan int64, 10)
	run := startRun(t, Options{
		Cron: yearly, Location: time.UTC, Logger: logger,
		RunAtStart: func(ctx context.Context) bool { gotCtx.Store(ctx != nil); return true },
	}, func(ctx context.Context) error { called <- 1; return nil })
	waitFor(t, called, 1, "the run at start")
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	if !gotCtx.Load() {
		t.Error("RunAtStart got no ctx")
	}
}

func TestCancelWaitsForRunInProgress(t *testing.T) {
	t.Parallel()
	_, logger := newLogBuffer()
	var calls atomic.Int64
	var saved atomic.Bool
	started := make(chan int64, 10)
	run := startRun(t, Options{
		Cron: yearly, Location: time.UTC, Logger: logger,
		RunAtStart: func(context.Context) bool { return true },
	}, func(ctx context.Context) error {
		started <- calls.Add(1)
		<-ctx.Done()                      // told to stop
		time.Sleep(50 * time.Millisecond) // save partial work
		saved.Store(true)
		return ctx.Err()
	})
	waitFor(t, started, 1, "the run to start")
	if err := run.stop(t); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if !saved.Load() {
		t.Error("Run returned before the run in progress returned")
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("job called %d times, want 1 (no retry after shutdown)", n)
	}
}

func TestShutdownTimeout(t *testing.T) {
	t.Parallel()
	_, logger := newLogBuffer()
	release := make(chan struct{})
	started := make(chan int64, 10)
	run := startRun(t, Options{
		Cron: yearly, Location: time.UTC, Logger: logger,
		RunAtStart:      func(context.Context) bool { return true },
		ShutdownTimeout: 50 * time.Millisecond,
	}, func(ctx context.Context) error {
		started <- 1
		<-release // ignores ctx
		return nil
	})
	t.Cleanup(func() { close(release) }) // runs before startRun's cleanup
	waitFor(t, started, 1, "the run to start")
	err := run.stop(t)
	if !errors.Is(err, ErrShutdownTimeout) {
		t.Fatalf("Run = %v, want ErrShutdownTimeout", err)
	}
}

func TestShutdownCancelsRetryWait(t *testing.T) {
	t.Parallel()
	logs, logger := newLogBuffer()
	var calls atomic.Int64
	called := make(chan int64, 10)
	run := startRun(t, Options{
		Cron: yearly, Location: time.UTC, Logger: logger,
		RunAtStart: func(context.Context) bool { return true },
		Retries:    3, RetryBackoff: time.Hour, // only shutdown can end the wait
	}, func(ctx context.Context) error {
		called <- calls.Add(1)
		return errors.New("rate limited")
	})
	waitFor(t, called, 1, "the first attempt")
	// Wait until the retry wait has begun, then stop.
	deadline := time.Now().Add(waitLimit)
	for len(logs.withMsg(t, "run failed; retrying")) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := run.stop(t); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("job called %d times, want 1", n)
	}
	if len(logs.withMsg(t, "retry cancelled by shutdown")) != 1 {
		t.Error("retry cancellation not logged")
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	t.Parallel()
	job := func(context.Context) error { t.Error("job ran"); return nil }
	ctx := context.Background() // Run must return before blocking on ctx
	if err := Run(ctx, Options{Cron: "30 20 * *"}, job); !errors.Is(err, ErrInvalidCron) {
		t.Errorf("bad cron: Run = %v, want ErrInvalidCron", err)
	}
	if err := Run(ctx, Options{}, nil); err == nil {
		t.Error("nil job: Run = nil, want an error")
	}
	// Run takes the values it is given (the config owns the defaults) and
	// refuses what it cannot work with.
	good := Options{Cron: everySecond, Location: time.UTC, ShutdownTimeout: time.Second}
	for name, change := range map[string]func(*Options){
		"no location":         func(o *Options) { o.Location = nil },
		"negative retries":    func(o *Options) { o.Retries = -1 },
		"retries, no backoff": func(o *Options) { o.Retries = 2 },
		"no shutdown timeout": func(o *Options) { o.ShutdownTimeout = 0 },
	} {
		o := good
		change(&o)
		if err := Run(ctx, o, job); err == nil || errors.Is(err, ErrInvalidCron) {
			t.Errorf("%s: Run = %v, want an error about the options", name, err)
		}
	}
}
