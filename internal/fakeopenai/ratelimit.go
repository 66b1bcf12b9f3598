package fakeopenai

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// bucket is one per-minute limit. It is refilled continuously at
// limit/minute. level is the enforcement bucket (capacity limit*burst/minute)
// that decides 429s; window is the per-minute view that the x-ratelimit-*
// headers report, as OpenAI does: a client can see plenty remaining for the
// minute and still be refused because it bursts.
type bucket struct {
	limit    float64 // per minute; 0 = unlimited
	capacity float64
	level    float64 // may go negative after a request larger than capacity
	window   float64 // remaining of the per-minute limit, may go negative
}

func newBucket(limit int, burst time.Duration) bucket {
	c := float64(limit) * burst.Seconds() / 60
	return bucket{limit: float64(limit), capacity: c, level: c, window: float64(limit)}
}

func (b *bucket) rate() float64 { return b.limit / 60 } // per second

func (b *bucket) refill(dt time.Duration) {
	add := b.rate() * dt.Seconds()
	b.level = math.Min(b.capacity, b.level+add)
	b.window = math.Min(b.limit, b.window+add)
}

// need is what the bucket must hold to admit a request of n units: n, or
// the whole capacity for a request larger than it (it then runs a debt, so
// the long-run rate still holds).
func (b *bucket) need(n float64) float64 { return math.Min(n, b.capacity) }

// wait is the time until the bucket can admit n units.
func (b *bucket) wait(n float64) time.Duration {
	short := b.need(n) - b.level
	if short <= 0 {
		return 0
	}
	return seconds(short / b.rate())
}

// seconds converts float seconds to a duration at microsecond precision,
// so float noise (1.000999999s) does not leak into the headers.
func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s*1e6)) * time.Microsecond
}

// used is how much of the limit the enforcement window has used, scaled to
// the per-minute limit (what OpenAI's "Used N" reports).
func (b *bucket) used() int {
	return int(math.Min(b.limit, math.Round((b.capacity-b.level)*b.limit/b.capacity)))
}

func (b *bucket) remaining() int { return int(math.Max(0, math.Floor(b.window))) }

func (b *bucket) reset() time.Duration {
	return seconds((b.limit - b.window) / b.rate())
}

// limiter enforces RPM and TPM.
type limiter struct {
	mu     sync.Mutex
	req    bucket
	tok    bucket
	last   time.Time
	limitR int
	limitT int
}

func newLimiter(rpm, tpm int, burst time.Duration, now time.Time) *limiter {
	return &limiter{req: newBucket(rpm, burst), tok: newBucket(tpm, burst), last: now, limitR: rpm, limitT: tpm}
}

// decision is the limiter's verdict on one request.
type decision struct {
	ok       bool
	kind     string        // "requests" or "tokens" when refused
	tooLarge bool          // the request alone exceeds the per-minute token limit
	wait     time.Duration // until the refusing bucket could admit it
	limit    int           // of the refusing bucket
	used     int
	headers  http.Header // x-ratelimit-* to send with the answer
}

// take admits a request estimated at tokens tokens, or refuses it without
// consuming anything.
func (l *limiter) take(now time.Time, tokens int) decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	if dt := now.Sub(l.last); dt > 0 {
		l.req.refill(dt)
		l.tok.refill(dt)
		l.last = now
	}
	d := decision{ok: true}
	n := float64(tokens)
	switch {
	case l.limitR > 0 && l.req.wait(1) > 0:
		d = decision{kind: "requests", wait: l.req.wait(1), limit: l.limitR, used: l.req.used()}
	case l.limitT > 0 && n > l.tok.limit:
		d = decision{kind: "tokens", tooLarge: true, limit: l.limitT}
	case l.limitT > 0 && l.tok.wait(n) > 0:
		d = decision{kind: "tokens", wait: l.tok.wait(n), limit: l.limitT, used: l.tok.used()}
	default:
		if l.limitR > 0 {
			l.req.level--
			l.req.window--
		}
		if l.limitT > 0 {
			l.tok.level -= n
			l.tok.window -= n
		}
	}
	d.headers = l.headers()
	return d
}

func (l *limiter) headers() http.Header {
	h := http.Header{}
	if l.limitR > 0 {
		h.Set("x-ratelimit-limit-requests", strconv.Itoa(l.limitR))
		h.Set("x-ratelimit-remaining-requests", strconv.Itoa(l.req.remaining()))
		h.Set("x-ratelimit-reset-requests", formatReset(l.req.reset()))
	}
	if l.limitT > 0 {
		h.Set("x-ratelimit-limit-tokens", strconv.Itoa(l.limitT))
		h.Set("x-ratelimit-remaining-tokens", strconv.Itoa(l.tok.remaining()))
		h.Set("x-ratelimit-reset-tokens", formatReset(l.tok.reset()))
	}
	return h
}

// formatReset renders a duration the way OpenAI's reset headers do: Go
// duration syntax at millisecond precision ("0s", "12ms", "59.993s", "6m0s"),
// rounded up so that waiting that long is enough.
func formatReset(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	return ceilMS(d).String()
}

func ceilMS(d time.Duration) time.Duration {
	return (d + time.Millisecond - 1) / time.Millisecond * time.Millisecond
}
