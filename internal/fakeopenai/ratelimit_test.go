package fakeopenai

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
)

// frozen is a settable clock for the limiter.
type frozen struct {
	mu sync.Mutex
	t  time.Time
}

func newFrozen() *frozen { return &frozen{t: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)} }

func (f *frozen) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *frozen) advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func TestLimiterRequests(t *testing.T) {
	clock := newFrozen()
	l := newLimiter(3000, 0, time.Second, clock.now()) // capacity 50, 50 per second
	for i := range 50 {
		if d := l.take(clock.now(), 10); !d.ok {
			t.Fatalf("request %d refused: %+v", i+1, d)
		}
	}
	d := l.take(clock.now(), 10)
	if d.ok || d.kind != "requests" || d.wait != 20*time.Millisecond || d.limit != 3000 || d.used != 3000 {
		t.Fatalf("51st = %+v, want refused on requests, wait 20ms, used 3000", d)
	}
	if got := d.headers.Get("x-ratelimit-remaining-requests"); got != "2950" {
		t.Errorf("remaining = %q, want 2950 (per-minute view)", got)
	}
	if got := d.headers.Get("x-ratelimit-reset-requests"); got != "1s" {
		t.Errorf("reset = %q, want 1s", got)
	}
	if d.headers.Get("x-ratelimit-limit-tokens") != "" {
		t.Error("token headers without a TPM limit")
	}
	clock.advance(20 * time.Millisecond)
	if d := l.take(clock.now(), 10); !d.ok {
		t.Fatalf("after 20ms refused: %+v", d)
	}
	if d := l.take(clock.now(), 10); d.ok {
		t.Fatal("second after 20ms admitted, want refused")
	}
	clock.advance(time.Minute)
	d = l.take(clock.now(), 10)
	if !d.ok || d.headers.Get("x-ratelimit-remaining-requests") != "2999" || d.headers.Get("x-ratelimit-reset-requests") != "20ms" {
		t.Errorf("after a minute: %+v", d)
	}
}

func TestLimiterTokens(t *testing.T) {
	clock := newFrozen()
	l := newLimiter(0, 60000, time.Second, clock.now()) // capacity 1000 tokens, 1000 per second
	if d := l.take(clock.now(), 600); !d.ok {
		t.Fatalf("first refused: %+v", d)
	}
	d := l.take(clock.now(), 600)
	if d.ok || d.kind != "tokens" || d.wait != 200*time.Millisecond {
		t.Fatalf("second = %+v, want refused on tokens with wait 200ms", d)
	}
	if d.headers.Get("x-ratelimit-limit-tokens") != "60000" || d.headers.Get("x-ratelimit-remaining-tokens") != "59400" ||
		d.headers.Get("x-ratelimit-reset-tokens") != "600ms" || d.headers.Get("x-ratelimit-limit-requests") != "" {
		t.Errorf("headers = %v", d.headers)
	}
	// A request larger than the burst capacity waits for a full bucket and
	// then runs a debt, so the long-run rate holds.
	clock.advance(time.Second)
	if d := l.take(clock.now(), 3000); !d.ok {
		t.Fatalf("large request on a full bucket refused: %+v", d)
	}
	clock.advance(time.Second)
	if d := l.take(clock.now(), 1); d.ok || d.wait != time.Second+time.Millisecond {
		t.Fatalf("after debt = %+v, want refused with wait 1.001s", d)
	}
	if d := l.take(clock.now(), 70000); d.ok || !d.tooLarge {
		t.Errorf("request above the per-minute limit = %+v, want too large", d)
	}
}

func TestFormatReset(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"}, {-time.Second, "0s"}, {1, "1ms"}, {12 * time.Millisecond, "12ms"}, {12*time.Millisecond + 1, "13ms"},
		{time.Second, "1s"}, {59993 * time.Millisecond, "59.993s"}, {6 * time.Minute, "6m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := formatReset(tt.d); got != tt.want {
				t.Errorf("formatReset(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestRateLimitedAnswer(t *testing.T) {
	clock := newFrozen()
	s := NewT(t, Config{RPM: 60, TPM: 1_000_000, now: clock.now}) // one request per second
	body := rawBody(t, "gpt-4o-mini", paperText, "x")
	resp, b := post(t, s, "k", body)
	if resp.StatusCode != 200 {
		t.Fatalf("first: %d %s", resp.StatusCode, b)
	}
	for _, h := range []string{"x-ratelimit-limit-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-requests",
		"x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("200 lacks %s", h)
		}
	}
	if got := resp.Header.Get("x-ratelimit-remaining-requests"); got != "59" {
		t.Errorf("remaining-requests = %q, want 59", got)
	}
	resp, b = post(t, s, "k", body)
	if resp.StatusCode != 429 {
		t.Fatalf("second: %d %s", resp.StatusCode, b)
	}
	e := decodeError(t, resp, b)
	if e.Error.Type != "requests" || deref(e.Error.Code) != "rate_limit_exceeded" {
		t.Errorf("429 body = %s", b)
	}
	want := "Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 60, Used 60, Requested 1. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more."
	if e.Error.Message != want {
		t.Errorf("message = %q\nwant      %q", e.Error.Message, want)
	}
	if resp.Header.Get("retry-after-ms") != "1000" || resp.Header.Get("retry-after") != "1" {
		t.Errorf("retry-after-ms/retry-after = %q/%q, want 1000/1", resp.Header.Get("retry-after-ms"), resp.Header.Get("retry-after"))
	}
	if resp.Header.Get("x-ratelimit-remaining-requests") != "59" || resp.Header.Get("x-ratelimit-reset-requests") != "1s" {
		t.Errorf("429 ratelimit headers = %v", resp.Header)
	}

	// The same through openai-go: a typed error the caller can inspect.
	_, err := newClient(s, "k").Chat.Completions.New(t.Context(), contractParams("gpt-4o-mini", "sys", paperText, "x"))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Code != "rate_limit_exceeded" {
		t.Fatalf("err = %v, want 429 rate_limit_exceeded", err)
	}
	if ms, err := strconv.Atoi(apiErr.Response.Header.Get("retry-after-ms")); err != nil || ms != 1000 {
		t.Errorf("retry-after-ms = %q", apiErr.Response.Header.Get("retry-after-ms"))
	}
	clock.advance(time.Second)
	if resp, b := post(t, s, "k", body); resp.StatusCode != 200 {
		t.Errorf("after refill: %d %s", resp.StatusCode, b)
	}
	if st := s.Stats(); st.RateLimited != 2 || st.ByStatus[429] != 2 || st.Completed != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestTokensTooLarge(t *testing.T) {
	s := NewT(t, Config{TPM: 100})
	resp, b := post(t, s, "k", rawBody(t, "m", paperText, "x"))
	if resp.StatusCode != 429 {
		t.Fatalf("status %d %s", resp.StatusCode, b)
	}
	if e := decodeError(t, resp, b); e.Error.Type != "tokens" || deref(e.Error.Code) != "rate_limit_exceeded" {
		t.Errorf("body = %s", b)
	}
}

// burst sends n concurrent requests and returns how many got 200 and 429.
func burst(t *testing.T, s *Server, n int) (ok, limited int) {
	t.Helper()
	body := rawBody(t, "m", paperText, "x")
	var okN, limN atomic.Int64
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, b := post(t, s, "k", body)
			switch resp.StatusCode {
			case 200:
				okN.Add(1)
			case 429:
				limN.Add(1)
			default:
				t.Errorf("status %d: %s", resp.StatusCode, b)
			}
		})
	}
	wg.Wait()
	return int(okN.Load()), int(limN.Load())
}

func TestBurstAdmitsCapacity(t *testing.T) {
	t.Run("frozen clock", func(t *testing.T) {
		clock := newFrozen()
		s := NewT(t, Config{RPM: 6000, Burst: time.Second, now: clock.now}) // capacity 100
		ok, limited := burst(t, s, 300)
		if ok != 100 || limited != 200 {
			t.Errorf("admitted %d, limited %d; want exactly 100 and 200", ok, limited)
		}
		if st := s.Stats(); st.RateLimited != 200 || st.Completed != 100 {
			t.Errorf("stats = %+v", st)
		}
	})
	t.Run("real clock", func(t *testing.T) {
		// 600 RPM over a 10 s burst: capacity 100, refill 10/s, so however
		// slow the machine the burst of 300 admits about 100.
		s := NewT(t, Config{RPM: 600, Burst: 10 * time.Second})
		ok, limited := burst(t, s, 300)
		if ok < 100 || ok > 130 || ok+limited != 300 {
			t.Errorf("admitted %d, limited %d; want 100..130 of 300", ok, limited)
		}
	})
}

func TestMaxInFlight(t *testing.T) {
	const k = 40
	var arrived atomic.Int64
	all := make(chan struct{})
	s := NewT(t, Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		if arrived.Add(1) == k {
			close(all)
		}
		<-all // hold every request until all k are in flight together
		return false
	}})
	ok, _ := burst(t, s, k)
	st := s.Stats()
	if ok != k || st.MaxInFlight != k || st.InFlight != 0 || st.Requests != k {
		t.Errorf("ok %d, stats %+v; want MaxInFlight %d, InFlight 0", ok, st, k)
	}
	if st.Elapsed <= 0 {
		t.Errorf("Elapsed = %v", st.Elapsed)
	}
}
