package classify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// PromptVersion changes whenever the prompt or schema changes what a
// judgement means. It is part of the caller's cache key.
const PromptVersion = "1"

// Defaults applied by New to zero fields.
const (
	DefaultConcurrency      = 8
	DefaultTimeout          = 60 * time.Second
	DefaultMaxRetries       = 4
	DefaultMaxRateLimitWait = 15 * time.Minute
	DefaultGrace            = 10 * time.Second
	DefaultBaseURL          = "https://api.openai.com/v1"
	// DefaultMaxResponseBytes (4 MiB) caps every response body. A real
	// answer is a few KiB (max_completion_tokens bounds it), so only a
	// broken or hostile server sends more; the cap keeps such a server from
	// filling memory (a run holds at most about Concurrency times twice
	// the cap in bodies) and from keeping a stopping process busy.
	DefaultMaxResponseBytes = 4 << 20
)

// defaultSlowStart is how many requests a run sends before its first
// response tells it the server's rate limits: enough to fill the pool
// quickly, few enough to fit the burst of any paid OpenAI tier.
const defaultSlowStart = 8

// Options configures an Engine. Zero values take the defaults above.
type Options struct {
	BaseURL, APIKey, Model string

	// Concurrency bounds the requests in flight, ever (retries included).
	Concurrency int
	// Timeout bounds one attempt; a timed-out attempt is retried.
	Timeout time.Duration
	// MaxRetries is the retry budget per job for errors and timeouts
	// (0 = DefaultMaxRetries, negative = no retries).
	MaxRetries int
	// MaxRateLimitWait is the run's total patience for server-requested
	// waits (429/503 with retry-after). A wait longer than what is left of
	// it stops the run (ErrRateLimitPatience).
	MaxRateLimitWait time.Duration
	// RequestsPerMinute and TokensPerMinute pace requests on the client
	// side (0 = not configured; the server's x-ratelimit-* headers are
	// followed either way).
	RequestsPerMinute, TokensPerMinute int
	// Temperature is sent when set and the model accepts it (gpt-5* and
	// o-series models accept only the default, so it is never sent to them).
	Temperature *float64
	// ReasoningEffort ("minimal", "low", ...) is sent when set; only
	// reasoning models accept it.
	ReasoningEffort string
	// MaxCompletionTokens caps each answer (0 = 256 + 160 per topic, plus
	// 4000 for reasoning models, whose reasoning tokens count here). It is
	// also part of every request's token estimate for TPM pacing, as it is
	// on OpenAI's side.
	MaxCompletionTokens int
	// Price overrides the built-in price table (nil = LookupPrice(Model)).
	Price *Price
	// MaxCostUSD stops starting requests once the spend plus the estimate
	// of what is in flight would pass it (0 = no budget). It needs a known
	// price.
	MaxCostUSD float64
	// Grace is how long in-flight attempts may finish after ctx is
	// cancelled.
	Grace time.Duration
	// MaxResponseBytes caps every response body the engine reads, answers
	// and error bodies alike (0 = DefaultMaxResponseBytes). The cap is
	// enforced in the transport, so it applies to a caller's HTTPClient
	// too. An answer over it fails its job with ErrAnswerTooLarge, without
	// a retry; an error body over it is judged by its status alone.
	MaxResponseBytes int64
	// HTTPClient is used for every request (nil = a client whose
	// transport keeps Concurrency idle connections to the host).
	HTTPClient *http.Client
	// Logger gets a debug line per failed attempt and one info line per
	// run (nil = discard). Name the component with Logger.With yourself.
	Logger *slog.Logger

	// Test hooks (unexported: only this package's tests set them).
	sleep       func(ctx context.Context, d time.Duration) error
	backoffBase time.Duration
	backoffCap  time.Duration
	slowStart   int // attempts allowed before the first response (0 = defaultSlowStart, <0 = no slow start)
}

// withDefaults validates o and fills in its defaults.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base_url %q: want an http(s) URL", o.BaseURL))
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if strings.TrimSpace(o.Model) == "" {
		errs = append(errs, errors.New("model: empty"))
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("concurrency %d: want >= 1", o.Concurrency))
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s: want > 0", o.Timeout))
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.MaxRateLimitWait == 0 {
		o.MaxRateLimitWait = DefaultMaxRateLimitWait
	}
	if o.MaxRateLimitWait < 0 {
		errs = append(errs, fmt.Errorf("max_rate_limit_wait %s: want >= 0", o.MaxRateLimitWait))
	}
	if o.RequestsPerMinute < 0 {
		errs = append(errs, fmt.Errorf("requests_per_minute %d: want >= 0", o.RequestsPerMinute))
	}
	if o.TokensPerMinute < 0 {
		errs = append(errs, fmt.Errorf("tokens_per_minute %d: want >= 0", o.TokensPerMinute))
	}
	if o.MaxCompletionTokens < 0 {
		errs = append(errs, fmt.Errorf("max_completion_tokens %d: want >= 0", o.MaxCompletionTokens))
	}
	if o.Temperature != nil && (*o.Temperature < 0 || *o.Temperature > 2) {
		errs = append(errs, fmt.Errorf("temperature %g: want 0..2", *o.Temperature))
	}
	if o.Price == nil {
		if p, ok := LookupPrice(o.Model); ok {
			o.Price = &p
		}
	} else if o.Price.Input < 0 || o.Price.CachedInput < 0 || o.Price.Output < 0 {
		errs = append(errs, fmt.Errorf("price %+v: want >= 0", *o.Price))
	}
	if o.MaxCostUSD < 0 {
		errs = append(errs, fmt.Errorf("max_cost_usd %g: want >= 0", o.MaxCostUSD))
	}
	if o.MaxCostUSD > 0 && o.Price == nil {
		errs = append(errs, fmt.Errorf("max_cost_usd %g: the price of model %q is unknown; set a price", o.MaxCostUSD, o.Model))
	}
	if o.MaxResponseBytes == 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if o.MaxResponseBytes < 0 {
		errs = append(errs, fmt.Errorf("max_response_bytes %d: want > 0", o.MaxResponseBytes))
	}
	if o.Grace == 0 {
		o.Grace = DefaultGrace
	}
	if o.Grace < 0 {
		errs = append(errs, fmt.Errorf("grace %s: want >= 0", o.Grace))
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = defaultHTTPClient(o.Concurrency)
	}
	if o.sleep == nil {
		o.sleep = sleepCtx
	}
	if o.backoffBase == 0 {
		o.backoffBase = 500 * time.Millisecond
	}
	if o.slowStart == 0 {
		o.slowStart = defaultSlowStart
	}
	if o.backoffCap == 0 {
		o.backoffCap = 30 * time.Second
	}
	if err := errors.Join(errs...); err != nil {
		return o, fmt.Errorf("classify options: %w", err)
	}
	return o, nil
}

// defaultHTTPClient keeps enough idle connections for every worker, so a
// full pool never reconnects. Timeouts are per attempt (contexts), so the
// client itself has none beyond dialling and TLS.
func defaultHTTPClient(concurrency int) *http.Client {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          max(100, 2*concurrency),
		MaxIdleConnsPerHost:   max(2, concurrency),
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: t}
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
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

// reasoningModel reports whether m is a reasoning model that rejects a
// temperature other than 1 (gpt-5*, o1/o3/o4*).
func reasoningModel(m string) bool {
	m = strings.TrimPrefix(strings.ToLower(m), "openai/")
	if strings.HasPrefix(m, "gpt-5") {
		return true
	}
	return len(m) >= 2 && m[0] == 'o' && m[1] >= '1' && m[1] <= '9'
}
