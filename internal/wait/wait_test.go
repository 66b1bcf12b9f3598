package wait

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		h    map[string]string
		want time.Duration
		ok   bool
	}{
		{"ms wins", map[string]string{"retry-after-ms": "20", "retry-after": "1"}, 20 * time.Millisecond, true},
		{"fractional ms", map[string]string{"retry-after-ms": "1.5"}, 1500 * time.Microsecond, true},
		{"seconds", map[string]string{"retry-after": "7"}, 7 * time.Second, true},
		{"http date", map[string]string{"retry-after": now.Add(30 * time.Second).Format(http.TimeFormat)}, 30 * time.Second, true},
		{"bad ms falls back", map[string]string{"retry-after-ms": "x", "retry-after": "2"}, 2 * time.Second, true},
		{"none", nil, 0, false},
		{"garbage", map[string]string{"retry-after": "later"}, 0, false},
		{"negative", map[string]string{"retry-after": "-5"}, 0, false},
		{"NaN", map[string]string{"retry-after": "NaN"}, 0, false},
		{"a date in the past", map[string]string{"retry-after": now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{"an hour", map[string]string{"retry-after": "3600"}, time.Hour, true},
		{"capped", map[string]string{"retry-after": "1e300"}, MaxServerWait, true},
		{"capped ms", map[string]string{"retry-after-ms": "9e18"}, MaxServerWait, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.h {
				h.Set(k, v)
			}
			got, ok := RetryAfter(h, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %s, %v; want %s, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); err != context.Canceled {
		t.Errorf("Sleep with an ended context: %v", err)
	}
	if err := Sleep(ctx, 0); err != context.Canceled {
		t.Errorf("Sleep(0) with an ended context: %v", err)
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "1.5", "-1", "", "1e400", "NaN", "Inf", "Wed, 21 Oct 2015 07:28:00 GMT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := http.Header{}
		h.Set("retry-after-ms", s)
		h.Set("retry-after", s)
		if d, ok := RetryAfter(h, time.Now()); ok && (d < 0 || d > MaxServerWait) {
			t.Fatalf("RetryAfter(%q) = %s", s, d)
		}
	})
}
