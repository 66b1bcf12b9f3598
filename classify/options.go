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

	"github.com/arxiv-digest/arxiv-digest/internal/wait"
)

// DefaultMaxResponseBytes (4 MiB) caps every response body unless
// Options.MaxResponseBytes says otherwise. A real answer is a few KiB
// (max_completion_tokens bounds it), so only a broken or hostile server
// sends more; the cap keeps such a server from filling memory (a run holds
// at most about Concurrency times twice the cap in bodies) and from keeping
// a stopping process busy.
const DefaultMaxResponseBytes = 4 << 20

// DefaultBatchPollMin is the first wait between two polls of a batch.
const DefaultBatchPollMin = 2 * time.Second

// defaultSlowStart is how many requests a run sends before its first
// response tells it the server's rate limits: enough to fill the pool
// quickly, few enough to fit the burst of any paid OpenAI tier.
const defaultSlowStart = 8

// Options configures an Engine. The engine takes the values it is given:
// the defaults of everything a user can set live in the config package,
// which validates them too. Only knobs no user sets (MaxResponseBytes,
// HTTPClient, Logger) have defaults here.
type Options struct {
	BaseURL, APIKey, Model string

	// Concurrency bounds the requests in flight, ever (retries included).
	Concurrency int
	// Timeout bounds one attempt; a timed-out attempt is retried.
	Timeout time.Duration
	// MaxRetries is the retry budget per job for errors and timeouts
	// (0 = no retries).
	MaxRetries int
	// MaxRateLimitWait is the engine's total patience, over all its runs,
	// for server-requested waits (429/503 with retry-after). A wait longer
	// than what is left of it stops the run (ErrRateLimitPatience).
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
	// PromptCacheKey sends prompt_cache_key with every request: one key
	// per task and instructions, so that OpenAI routes requests sharing
	// their prefix to the same cache. Servers that reject unknown fields
	// answer it with a 400, which stops the run: the caller sets it for
	// servers known to accept it.
	PromptCacheKey bool
	// Price overrides the built-in price table (nil = LookupPrice(Model)).
	Price *Price
	// MaxCostUSD stops starting requests once the engine's spend over all
	// its runs plus the estimate of what is in flight would pass it (0 = no
	// budget). It needs a known price.
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
	// BatchPollMin is the first wait between two polls of a batch
	// (0 = DefaultBatchPollMin); each wait doubles up to BatchPollMax
	// (llm.batch_poll_max; less than BatchPollMin means BatchPollMin).
	BatchPollMin, BatchPollMax time.Duration
	// Logger gets a debug line per failed attempt and one info line per
	// run (nil = discard). Name the component with Logger.With yourself.
	Logger *slog.Logger

	// Test hooks (unexported: only this package's tests set them).
	sleep       func(ctx context.Context, d time.Duration) error
	backoffBase time.Duration
	backoffCap  time.Duration
	slowStart   int // attempts allowed before the first response (0 = defaultSlowStart, <0 = no slow start)
}

// withDefaults checks what the engine cannot work without and fills in
// the defaults of the knobs no user sets. The user's values were validated
// by the config package; these are the engine's own invariants.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base URL %q: want an http(s) URL", o.BaseURL))
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if strings.TrimSpace(o.Model) == "" {
		errs = append(errs, errors.New("no model"))
	}
	if o.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency %d: want at least 1", o.Concurrency))
	}
	if o.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout %s: want more than 0", o.Timeout))
	}
	if o.MaxRetries < 0 || o.MaxRateLimitWait < 0 || o.Grace < 0 || o.MaxCostUSD < 0 {
		errs = append(errs, errors.New("max retries, max rate-limit wait, grace and max cost must not be negative"))
	}
	if o.Price == nil {
		if p, ok := LookupPrice(o.Model); ok {
			o.Price = &p
		}
	}
	if o.MaxCostUSD > 0 && o.Price == nil {
		errs = append(errs, fmt.Errorf("a cost budget needs a price, and the price of model %q is unknown", o.Model))
	}
	if o.MaxResponseBytes == 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if o.MaxResponseBytes < 0 {
		errs = append(errs, fmt.Errorf("max response bytes %d: want more than 0", o.MaxResponseBytes))
	}
	if o.BatchPollMin <= 0 {
		o.BatchPollMin = DefaultBatchPollMin
	}
	o.BatchPollMax = max(o.BatchPollMax, o.BatchPollMin)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = defaultHTTPClient(o.Concurrency)
	}
	if o.sleep == nil {
		o.sleep = wait.Sleep
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
		return o, fmt.Errorf("classify: %w", err)
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

// reasoningModel reports whether m is a reasoning model that rejects a
// temperature other than 1 (gpt-5*, o1/o3/o4*).
func reasoningModel(m string) bool {
	m = strings.TrimPrefix(strings.ToLower(m), "openai/")
	if strings.HasPrefix(m, "gpt-5") {
		return true
	}
	return len(m) >= 2 && m[0] == 'o' && m[1] >= '1' && m[1] <= '9'
}

// IsReasoningModel reports whether llmModel reasons before it answers
// (gpt-5*, o-series): its reasoning tokens are billed as output.
func IsReasoningModel(llmModel string) bool { return reasoningModel(llmModel) }
