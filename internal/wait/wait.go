// Package wait holds the two rules about waiting that the program's HTTP
// clients share: how long a server asks to be left alone (Retry-After,
// and OpenAI's retry-after-ms), and a sleep that ends with its context.
package wait

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxServerWait caps what a server can ask for: beyond a day a value is
// nonsense (and, in seconds or milliseconds, could overflow a Duration).
const MaxServerWait = 24 * time.Hour

// RetryAfter reads what the server asks to wait: retry-after-ms (OpenAI's,
// in milliseconds, fractions allowed), else Retry-After in seconds
// (fractions allowed) or as an HTTP date (a date in the past is 0). ok is
// false when neither is there or readable. Negative and non-finite values
// are unreadable; the result is capped at MaxServerWait.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			if d, ok := Scaled(f, time.Millisecond); ok {
				return d, true
			}
		}
	}
	if v := strings.TrimSpace(h.Get("retry-after")); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return Scaled(f, time.Second)
		}
		if t, err := http.ParseTime(v); err == nil {
			return min(max(t.Sub(now), 0), MaxServerWait), true
		}
	}
	return 0, false
}

// Scaled converts f units to a duration, refusing negative and non-finite
// values and capping at MaxServerWait.
func Scaled(f float64, unit time.Duration) (time.Duration, bool) {
	if math.IsNaN(f) || f < 0 {
		return 0, false
	}
	if f >= float64(MaxServerWait)/float64(unit) {
		return MaxServerWait, true
	}
	return time.Duration(f * float64(unit)), true
}

// Sleep waits d, or until ctx ends (then it returns ctx's error). A d of
// zero or less returns at once, with ctx's error if it has ended.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
