package classify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

func TestRateLimitWaitsExactlyAsAsked(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		headers map[string]string
		want    time.Duration
	}{
		{"429 retry-after-ms", 429, map[string]string{"retry-after-ms": "1500", "retry-after": "2"}, 1500 * time.Millisecond},
		{"429 retry-after", 429, map[string]string{"retry-after": "3"}, 3 * time.Second},
		{"503 retry-after", 503, map[string]string{"retry-after": "2"}, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(r *apiReq) reply {
				if r.N == 1 {
					return errorReply(tt.status, "requests", "rate_limit_exceeded", "Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 3000, Used 3000, Requested 1.", tt.headers)
				}
				return nil
			})
			var s sleeps
			e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 1; o.MaxRetries = 0; o.sleep = s.sleep })
			got, err := runAll(t, context.Background(), e, testJobs(1))
			if err != nil {
				t.Fatal(err)
			}
			r := got["2511.00001"]
			// MaxRetries 0 means no retries for errors: a server-requested
			// wait must not count against it.
			if r.Status != model.StatusJudged || r.Attempts != 2 || r.Usage.Requests != 2 {
				t.Fatalf("status %s attempts %d usage %+v err %v", r.Status, r.Attempts, r.Usage, r.Err)
			}
			waits := s.all()
			if len(waits) != 1 {
				t.Fatalf("sleeps %v, want one wait", waits)
			}
			// The sleep starts a moment after the pause was set, so it may be
			// a little shorter than asked; the jitter may add up to 100ms.
			if waits[0] < tt.want-500*time.Millisecond || waits[0] > tt.want+100*time.Millisecond {
				t.Errorf("waited %s, want about %s", waits[0], tt.want)
			}
		})
	}
}

func TestRateLimitPatienceRunsOut(t *testing.T) {
	f := newFakeAPI(t, func(r *apiReq) reply {
		return errorReply(429, "requests", "rate_limit_exceeded", "Rate limit reached.", map[string]string{"retry-after-ms": "40"})
	})
	// Real sleeps: the patience pays for wall-clock pause time.
	e := newTestEngine(t, f, func(o *Options) {
		o.Concurrency = 1
		o.MaxRateLimitWait = 100 * time.Millisecond
	})
	got, err := runAll(t, context.Background(), e, testJobs(1))
	if !errors.Is(err, ErrRateLimitPatience) || !strings.Contains(err.Error(), "server asked to wait 40ms; only ") ||
		!strings.Contains(err.Error(), "of llm.max_rate_limit_wait 100ms is left") {
		t.Fatalf("Run: %v, want ErrRateLimitPatience saying how much patience was left", err)
	}
	r := got["2511.00001"]
	if r.Status != model.StatusFailed || !errors.Is(r.Err, ErrRateLimitPatience) {
		t.Fatalf("status %s err %v, want failed with ErrRateLimitPatience", r.Status, r.Err)
	}
	var se *StatusError
	if !errors.As(r.Err, &se) || se.StatusCode != 429 {
		t.Errorf("err %v should carry the 429", r.Err)
	}
	// 40ms (+ <=2ms jitter) per 429 within 100ms of patience: two waits paid, the third is refused.
	if r.Attempts != 3 {
		t.Errorf("attempts %d, want 3", r.Attempts)
	}
}

func TestRateLimitPausesEveryWorker(t *testing.T) {
	f := newFakeAPI(t, func(r *apiReq) reply {
		if r.N == 1 {
			return errorReply(429, "requests", "rate_limit_exceeded", "Rate limit reached.", map[string]string{"retry-after-ms": "60000"})
		}
		return nil
	})
	var s sleeps
	e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 1; o.slowStart = -1; o.sleep = s.sleep })
	got, err := runAll(t, context.Background(), e, testJobs(4))
	if err != nil {
		t.Fatal(err)
	}
	for id, r := range got {
		if r.Status != model.StatusJudged {
			t.Errorf("%s: %s %v", id, r.Status, r.Err)
		}
	}
	// The recording sleep returns at once, so the minute-long pause is
	// still ahead for every later attempt: each of them, not only the
	// retry of the job that got the 429, must have waited for it.
	long := 0
	for _, d := range s.all() {
		if d > 50*time.Second {
			long++
		}
	}
	if long < 4 {
		t.Errorf("%d attempts waited for the shared pause, want all 4 after the 429 (sleeps %v)", long, s.all())
	}
}

// TestWaitBeyondPatienceStopsTheRun: the server asks for an hour when the
// run's patience is 15 minutes. The run stops starting requests at the
// first such answer (only those already in flight were sent), fails them,
// skips the rest with the reason, and Run says so.
func TestWaitBeyondPatienceStopsTheRun(t *testing.T) {
	const concurrency, jobs = 8, 300
	f := newFakeAPI(t, func(r *apiReq) reply {
		return errorReply(429, "requests", "rate_limit_exceeded",
			"Rate limit reached for gpt-4o-mini in organization org-fake on requests per day (RPD): Limit 10000, Used 10000, Requested 1. Please try again in 1h0m0s.",
			map[string]string{"retry-after": "3600"})
	})
	var s sleeps
	e := newTestEngine(t, f, func(o *Options) {
		o.Concurrency = concurrency
		o.MaxRateLimitWait = 15 * time.Minute
		o.sleep = s.sleep
	})
	got, err := runAll(t, context.Background(), e, testJobs(jobs))
	const reason = "server asked to wait 1h0m0s; llm.max_rate_limit_wait is 15m0s"
	if !errors.Is(err, ErrRateLimitPatience) || !strings.Contains(err.Error(), reason) {
		t.Fatalf("Run: %v, want ErrRateLimitPatience saying %q", err, reason)
	}
	sent := len(f.requests())
	if sent > concurrency {
		t.Errorf("the server saw %d requests, want at most %d (those in flight at the first answer)", sent, concurrency)
	}
	failed, skipped := 0, 0
	for id, r := range got {
		var se *StatusError
		switch {
		case r.Status == model.StatusFailed && r.Attempts == 1 && errors.Is(r.Err, ErrRateLimitPatience) && errors.As(r.Err, &se) && se.StatusCode == 429:
			failed++
		case r.Status == model.StatusSkipped && r.Attempts == 0 && errors.Is(r.Err, ErrRateLimitPatience) && strings.Contains(r.Err.Error(), reason):
			skipped++
		default:
			t.Errorf("%s: %s attempts %d err %v", id, r.Status, r.Attempts, r.Err)
		}
	}
	if failed != sent || failed+skipped != jobs {
		t.Errorf("failed %d skipped %d for %d requests and %d jobs", failed, skipped, sent, jobs)
	}
	if d := s.all(); len(d) != 0 {
		t.Errorf("slept %v: a wait beyond the patience is not waited at all", d)
	}
}
