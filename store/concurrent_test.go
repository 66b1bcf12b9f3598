package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// TestTwoHandlesWriteConcurrently opens the same file twice (as a daemon
// and a manual run would) and writes from both at once, plus a reader: no
// call may fail with SQLITE_BUSY and no write may be lost.
func TestTwoHandlesWriteConcurrently(t *testing.T) {
	ctx := context.Background()
	a, path := openTest(t)
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	const perWriter = 60
	papers := testPapers(perWriter)
	dates := []string{"2025-04-22", "2025-04-23"}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for i, s := range []*Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			date := dates[i]
			if err := s.BeginRun(ctx, testRun(date), papers, knownFor(s, testRun(date), papers)); err != nil {
				errs <- err
				return
			}
			for _, p := range papers {
				// Both writers store the same keys too: INSERT OR REPLACE
				// of one judgement from two processes must not fail.
				if err := s.SaveJudged(ctx, date, p.ID, scoresFor(p, 0.5), true, model.Usage{Requests: 1}); err != nil {
					errs <- err
					return
				}
			}
			errs <- s.FinishRun(ctx, date, RunComplete, "", nil)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 100 {
			if _, err := a.Runs(ctx); err != nil {
				errs <- fmt.Errorf("reader: %w", err)
				return
			}
		}
		errs <- nil
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent write: %v", err)
		}
	}
	for _, date := range dates {
		run, day, err := b.Run(ctx, date)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != RunComplete || run.Usage.Requests != perWriter || len(day) != perWriter {
			t.Errorf("%s: status %q, %d requests, %d papers", date, run.Status, run.Usage.Requests, len(day))
		}
	}
}

// TestProcessesWriteConcurrently runs two writer processes and this one on
// the same file at once.
func TestProcessesWriteConcurrently(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	s, path := openTest(t)
	const papers = 60
	dates := []string{"2025-04-21", "2025-04-22"}
	type result struct {
		date string
		seen int // papers saved or found cached
		paid int // papers saved
		done bool
		err  error
	}
	results := make(chan result, len(dates))
	for _, date := range dates {
		cmd := helperCommand(t, path, date, papers)
		lines := helperLines(t, cmd)
		go func() {
			r := result{date: date}
			for lines.Scan() {
				switch line := lines.Text(); {
				case strings.HasPrefix(line, "saved "):
					r.paid++
					r.seen++
				case strings.HasPrefix(line, "cached "):
					r.seen++
				case line == "done":
					r.done = true
				}
			}
			if err := cmd.Wait(); err != nil {
				r.err = fmt.Errorf("%w; stderr: %s", err, cmd.Stderr)
			}
			results <- r
		}()
	}
	// Meanwhile this process writes its own date.
	date := "2025-04-23"
	mine := testPapers(papers)
	if err := s.BeginRun(ctx, testRun(date), mine, knownFor(s, testRun(date), mine)); err != nil {
		t.Fatal(err)
	}
	for _, p := range mine {
		if err := s.SaveOutcome(ctx, date, p.ID, model.StatusFailed, "rate limited", model.Usage{Requests: 1}); err != nil {
			t.Fatalf("parent write: %v", err)
		}
	}
	paid := map[string]int64{}
	for range dates {
		r := <-results
		if r.err != nil || !r.done || r.seen != papers {
			t.Errorf("child %s: %d papers, done=%v, err=%v", r.date, r.seen, r.done, r.err)
		}
		paid[r.date] = int64(r.paid)
	}
	paid[date] = papers
	runs, err := s.Runs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("%d runs, want 3", len(runs))
	}
	// The children share papers (and so keys): what one paid for the
	// other may find cached. Each run's usage is what its process paid.
	for _, r := range runs {
		if r.Usage.Requests != paid[r.Date] {
			t.Errorf("run %s recorded %d requests, its process paid %d", r.Date, r.Usage.Requests, paid[r.Date])
		}
	}
}
