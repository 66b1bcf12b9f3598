package daemon

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		first time.Duration
		n     int
		want  time.Duration
	}{
		{5 * time.Minute, 1, 5 * time.Minute},
		{5 * time.Minute, 2, 10 * time.Minute},
		{5 * time.Minute, 3, 20 * time.Minute},
		{5 * time.Minute, 5, time.Hour},
		{5 * time.Minute, 60, time.Hour},
		{2 * time.Hour, 1, time.Hour},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s_%d", tt.first, tt.n), func(t *testing.T) {
			if got := backoff(tt.first, tt.n); got != tt.want {
				t.Errorf("backoff(%s, %d) = %s, want %s", tt.first, tt.n, got, tt.want)
			}
		})
	}
}

func TestRunWithRetries(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name      string
		retries   int
		results   []error // per call; the last repeats
		wantCalls int
		wantOK    bool
	}{
		{"success", 3, []error{nil}, 1, true},
		{"fails then succeeds", 3, []error{errBoom, errBoom, nil}, 3, true},
		{"always fails", 2, []error{errBoom}, 3, false},
		{"no retries", 0, []error{errBoom}, 1, false},
		{"permanent not retried", 3, []error{Permanent(errBoom)}, 1, false},
		{"wrapped permanent not retried", 3, []error{fmt.Errorf("classify: %w", Permanent(errBoom))}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, logger := newLogBuffer()
			calls := 0
			r := &runner{
				opts: Options{Retries: tt.retries, RetryBackoff: time.Microsecond},
				log:  logger,
				job: func(context.Context) error {
					calls++
					return tt.results[min(calls, len(tt.results))-1]
				},
			}
			ok := r.runWithRetries(context.Background(), logger)
			if ok != tt.wantOK || calls != tt.wantCalls {
				t.Errorf("ok=%v calls=%d, want ok=%v calls=%d", ok, calls, tt.wantOK, tt.wantCalls)
			}
		})
	}
}

func TestRunWithRetriesPanicThenSuccess(t *testing.T) {
	logs, logger := newLogBuffer()
	calls := 0
	r := &runner{
		opts: Options{Retries: 1, RetryBackoff: time.Microsecond},
		log:  logger,
		job: func(context.Context) error {
			calls++
			if calls == 1 {
				var m map[string]int
				m["x"] = 1 // a real runtime panic
			}
			return nil
		},
	}
	if !r.runWithRetries(context.Background(), logger) || calls != 2 {
		t.Fatalf("calls = %d, want a retry that succeeds", calls)
	}
	if len(logs.withMsg(t, "run failed; retrying")) != 1 {
		t.Error("panic not logged as a failed attempt")
	}
}

func TestPermanent(t *testing.T) {
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	base := errors.New("401 invalid api key")
	err := fmt.Errorf("classify: %w", Permanent(base))
	if !IsPermanent(err) || !errors.Is(err, base) {
		t.Errorf("IsPermanent=%v Is(base)=%v, want both true", IsPermanent(err), errors.Is(err, base))
	}
	if IsPermanent(base) {
		t.Error("plain error reported permanent")
	}
	if err.Error() != "classify: 401 invalid api key" {
		t.Errorf("message = %q", err)
	}
}
