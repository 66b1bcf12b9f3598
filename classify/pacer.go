package classify

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/arxiv-digest/arxiv-digest/internal/wait"
)

// paceFactor keeps client-side pacing a little under the server's limit,
// so that arrival jitter never pushes a request over it.
const paceFactor = 0.99

// burstShare is the limiter burst as a share of one second's worth of the
// limit: small, because a per-minute limit may be enforced per second.
const burstShare = 0.2

// pacer spaces requests smoothly under the request and token limits (the
// configured ones, then the server's x-ratelimit-* headers) and holds every
// worker until a shared "not before" time when the server asks for a pause.
type pacer struct {
	sleep func(context.Context, time.Duration) error
	log   *slog.Logger

	mu        sync.Mutex
	req       *rate.Limiter // requests per second; nil = unlimited
	tok       *rate.Limiter // tokens per second; nil = unlimited
	notBefore time.Time
	cfgRPM    int // configured limits, 0 = none
	cfgTPM    int
	srvRPM    int // limits last announced by the server, 0 = none
	srvTPM    int
}

func newPacer(rpm, tpm int, sleep func(context.Context, time.Duration) error, log *slog.Logger) *pacer {
	p := &pacer{sleep: sleep, log: log, cfgRPM: rpm, cfgTPM: tpm}
	p.apply()
	return p
}

// effective is the tighter of the configured and the announced limit.
func effective(cfg, srv int) int {
	switch {
	case cfg > 0 && srv > 0:
		return min(cfg, srv)
	case cfg > 0:
		return cfg
	default:
		return srv
	}
}

// apply sets the limiters from the current limits. Callers hold p.mu (or
// own p exclusively).
func (p *pacer) apply() {
	p.req = setLimiter(p.req, effective(p.cfgRPM, p.srvRPM))
	p.tok = setLimiter(p.tok, effective(p.cfgTPM, p.srvTPM))
}

// setLimiter returns a limiter for perMinute (nil for none), reusing lim
// when there is one. Its burst is a fifth of a second's worth of the limit
// (at least 1): smooth, with a little slack for the first requests.
func setLimiter(lim *rate.Limiter, perMinute int) *rate.Limiter {
	if perMinute <= 0 {
		return nil
	}
	perSec := float64(perMinute) / 60 * paceFactor
	burst := max(1, int(perSec*burstShare))
	if lim == nil {
		return rate.NewLimiter(rate.Limit(perSec), burst)
	}
	lim.SetLimit(rate.Limit(perSec))
	lim.SetBurst(burst)
	return lim
}

// wait blocks until a request of about tokens tokens may start: after the
// shared pause and within both limiters.
func (p *pacer) wait(ctx context.Context, tokens int) error {
	served, err := p.waitPause(ctx, time.Time{})
	if err != nil {
		return err
	}
	p.mu.Lock()
	req, tok := p.req, p.tok
	p.mu.Unlock()
	if req != nil {
		if err := req.Wait(ctx); err != nil {
			return ctxErr(ctx, err)
		}
	}
	if tok != nil && tokens > 0 {
		if tokens > tok.Burst() {
			// The bucket must hold one whole request, or WaitN fails.
			tok.SetBurst(tokens)
		}
		if err := tok.WaitN(ctx, tokens); err != nil {
			return ctxErr(ctx, err)
		}
	}
	// A pause may have been ordered while we queued at the limiters.
	_, err = p.waitPause(ctx, served)
	return err
}

// ctxErr prefers the context's error over the limiter's "would exceed
// context deadline".
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// waitPause sleeps until the shared pause is over, unless it ends no later
// than served (a pause already waited out), and returns the end of the
// pause it honoured.
func (p *pacer) waitPause(ctx context.Context, served time.Time) (time.Time, error) {
	for {
		p.mu.Lock()
		nb := p.notBefore
		p.mu.Unlock()
		d := time.Until(nb)
		if d <= 0 || !nb.After(served) {
			return served, ctx.Err()
		}
		if err := p.sleep(ctx, d); err != nil {
			return served, err
		}
		served = nb
	}
}

// pause holds every request until now+d, provided pay accepts the time
// that adds to the current pause (what the run's patience pays for; nil
// pays anything). It reports the time added and whether it was paid.
func (p *pacer) pause(d time.Duration, pay func(time.Duration) bool) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	until := now.Add(d)
	from := p.notBefore
	if from.Before(now) {
		from = now
	}
	if !until.After(from) {
		return 0, true
	}
	added := until.Sub(from)
	if pay != nil && !pay(added) {
		return added, false
	}
	p.notBefore = until
	return added, true
}

// observe adapts to a response's x-ratelimit-* headers: the announced
// limits set the limiters' rates, and a nearly empty budget holds new
// requests until the server has refilled enough for one more.
func (p *pacer) observe(h http.Header, tokens int) {
	limReq, okLR := headerInt(h, "x-ratelimit-limit-requests")
	limTok, okLT := headerInt(h, "x-ratelimit-limit-tokens")
	p.mu.Lock()
	changed := false
	if okLR && limReq > 0 && limReq != p.srvRPM {
		p.srvRPM, changed = limReq, true
	}
	if okLT && limTok > 0 && limTok != p.srvTPM {
		p.srvTPM, changed = limTok, true
	}
	if changed {
		p.apply()
		p.log.Debug("rate limits from server", slog.Int("limit_requests", p.srvRPM), slog.Int("limit_tokens", p.srvTPM))
	}
	p.mu.Unlock()

	var hold time.Duration
	if rem, ok := headerInt(h, "x-ratelimit-remaining-requests"); ok && rem < 1 {
		hold = max(hold, refillTime(h, "requests", limReq, rem, 1))
	}
	if rem, ok := headerInt(h, "x-ratelimit-remaining-tokens"); ok && rem < tokens {
		hold = max(hold, refillTime(h, "tokens", limTok, rem, tokens))
	}
	if hold > 0 {
		p.pause(hold, nil)
	}
}

// refillTime estimates when the server's budget of kind will hold need
// units again, from its reset time (time until the budget is full) and a
// linear refill; without a limit it is the whole reset time.
func refillTime(h http.Header, kind string, limit, remaining, need int) time.Duration {
	reset, ok := parseReset(h.Get("x-ratelimit-reset-" + kind))
	if !ok || reset <= 0 {
		return 0
	}
	missing := limit - remaining
	if limit <= 0 || missing <= 0 {
		return reset
	}
	d := time.Duration(float64(reset) * float64(need-remaining) / float64(missing))
	return min(d, reset)
}

func headerInt(h http.Header, key string) (int, bool) {
	v := strings.TrimSpace(h.Get(key))
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || math.IsNaN(f) || math.Abs(f) > 1e15 {
			return 0, false
		}
		n = int(f)
	}
	return n, true
}

// parseReset parses an x-ratelimit-reset-* value: a Go-like duration as
// OpenAI sends it ("1s", "6m0s", "12ms", "59.993s") or bare seconds.
func parseReset(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if d, err := time.ParseDuration(v); err == nil {
		if d < 0 {
			return 0, false
		}
		return min(d, wait.MaxServerWait), true
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return wait.Scaled(f, time.Second)
	}
	return 0, false
}
