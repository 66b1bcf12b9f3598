package fetch

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/wait"
)

// Defaults for Options.
const (
	DefaultMaxBody      = 32 << 20
	DefaultMaxRetries   = 3
	DefaultMaxRetryWait = 2 * time.Minute
	DefaultAPIPageSize  = 200
	DefaultAPIDelay     = 3 * time.Second // arXiv asks API users to wait 3 s between requests
)

// networkRetries is how many times a request that failed in the network
// (connection refused, reset, timeout) is tried again.
const networkRetries = 2

// networkBackoff is the wait before the first network retry; it doubles.
const networkBackoff = 2 * time.Second

// Options configures a Client. Zero fields take the defaults above; the
// URLs and the User-Agent have none.
type Options struct {
	// RSSURL (categories are appended) and APIURL are the config's
	// arxiv.rss_url and arxiv.api_url; UserAgent names the program, its
	// version and a contact URL. They have no defaults here: the config
	// owns the URLs, the command its name and version.
	RSSURL    string
	APIURL    string
	UserAgent string
	MaxBody   int64 // largest response body read, default 32 MiB
	// MaxRetries is how many times a 503 or 429 answer is retried after
	// its Retry-After; default 3, negative for none.
	MaxRetries int
	// MaxRetryWait caps one Retry-After wait; default 2m.
	MaxRetryWait time.Duration
	APIPageSize  int           // API results per request, default 200
	APIDelay     time.Duration // pause between API pages, default 3s; negative for none
	// Sleep waits d or until ctx is done. Default: a timer. Tests inject
	// one that records the waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to read Retry-After dates. Default time.Now.
	Now    func() time.Time
	Logger *slog.Logger // default: discard
}

func (o Options) withDefaults() Options {
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.MaxRetryWait <= 0 {
		o.MaxRetryWait = DefaultMaxRetryWait
	}
	if o.APIPageSize <= 0 {
		o.APIPageSize = DefaultAPIPageSize
	}
	switch {
	case o.APIDelay == 0:
		o.APIDelay = DefaultAPIDelay
	case o.APIDelay < 0:
		o.APIDelay = 0
	}
	if o.Sleep == nil {
		o.Sleep = wait.Sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// NewHTTPClient returns an HTTP client with explicit timeouts for talking
// to arXiv: 10 s to connect, 10 s for TLS, 60 s for the response header and
// 2 minutes for a whole request including its body.
func NewHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout: 2 * time.Minute,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 60 * time.Second,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConns:          10,
			ForceAttemptHTTP2:     true,
		},
	}
}
