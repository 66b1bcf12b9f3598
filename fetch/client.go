package fetch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/wait"
)

// Client reads arXiv's RSS feeds and API. It is safe for concurrent use.
type Client struct {
	hc   *http.Client
	opts Options
	log  *slog.Logger
}

// New returns a Client that sends its requests with hc (NewHTTPClient when
// nil). Zero fields of opts take their defaults.
func New(hc *http.Client, opts Options) *Client {
	if hc == nil {
		hc = NewHTTPClient()
	}
	opts = opts.withDefaults()
	return &Client{hc: hc, opts: opts, log: opts.Logger.With("component", "fetch")}
}

// response is a successful answer whose body is being read, by the read
// function given to get: the body streams from the network into the
// parser, so that a 3 MB day is never held as a whole document.
type response struct {
	url         string
	contentType string
	validators  Validators    // from the ETag and Last-Modified headers, cleaned
	body        *bufio.Reader // at most MaxBody bytes of the body
}

// get fetches url, sending v (already cleaned) as If-None-Match and
// If-Modified-Since, and calls read with the answer while its body
// streams in. It retries 503 and 429 answers after their Retry-After
// (capped by MaxRetryWait, with a backoff when absent) up to MaxRetries
// times, and network errors, whether before the answer or while its body
// is read, up to networkRetries times. A 304 answer gives an error
// wrapping ErrNotModified when v was sent, and an *HTTPError otherwise;
// any other non-2xx status is returned at once as an *HTTPError; a body
// over MaxBody gives an error wrapping ErrBodyTooLarge. read's own errors
// are returned as they are.
func (c *Client) get(ctx context.Context, url string, v Validators, read func(*response) error) error {
	busy, network := 0, 0
	for {
		err := c.getOnce(ctx, url, v, read)
		if err == nil {
			return nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("fetch %s: %w", url, ctxErr)
		}
		var wait time.Duration
		var herr *HTTPError
		switch {
		case errors.As(err, &herr) && (herr.StatusCode == http.StatusServiceUnavailable || herr.StatusCode == http.StatusTooManyRequests):
			if busy >= c.opts.MaxRetries {
				return fmt.Errorf("%w (gave up after %d retries)", err, busy)
			}
			wait = herr.RetryAfter
			if wait <= 0 {
				wait = networkBackoff << busy
			}
			wait = min(wait, c.opts.MaxRetryWait)
			busy++
			c.log.Warn("arxiv busy, retrying", "url", url, "status", herr.StatusCode, "wait", wait, "attempt", busy)
		case isNetworkError(err):
			if network >= networkRetries {
				return fmt.Errorf("%w (gave up after %d retries)", err, network)
			}
			wait = networkBackoff << network
			network++
			c.log.Warn("network error, retrying", "url", url, "err", err, "wait", wait, "attempt", network)
		default:
			return err
		}
		if err := c.opts.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("fetch %s: waiting to retry: %w", url, err)
		}
	}
}

// netError marks a failure to talk to the server (as opposed to an answer
// we did not like), which is worth retrying.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

func isNetworkError(err error) bool {
	var ne *netError
	return errors.As(err, &ne)
}

func (c *Client) getOnce(ctx context.Context, url string, v Validators, read func(*response) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", url, err)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.7")
	v.set(req.Header)
	c.log.Debug("get", "url", url)
	resp, err := c.hc.Do(req)
	if err != nil {
		return &netError{fmt.Errorf("fetch %s: %w", url, err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		// A 304 has no body to read.
		if v.IsZero() {
			return fmt.Errorf("%w to a request that sent no validators", &HTTPError{URL: url, StatusCode: resp.StatusCode})
		}
		return fmt.Errorf("fetch %s: %w", url, ErrNotModified)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return &HTTPError{URL: url, StatusCode: resp.StatusCode, RetryAfter: retryAfter(resp.Header, c.opts.Now())}
	}
	tooLarge := fmt.Errorf("fetch %s: body exceeds %d bytes: %w", url, c.opts.MaxBody, ErrBodyTooLarge)
	if resp.ContentLength > c.opts.MaxBody {
		return tooLarge
	}
	body := &cappedBody{r: resp.Body, left: c.opts.MaxBody}
	got := Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	r := &response{url: url, contentType: resp.Header.Get("Content-Type"), validators: got.clean(url, c.log),
		body: bufio.NewReaderSize(body, 64<<10)}
	err = read(r)
	switch {
	case body.tooLarge:
		return tooLarge
	case body.err != nil:
		// The connection failed while the body came in: whatever the
		// parser made of the cut document, the fetch is worth another try.
		return &netError{fmt.Errorf("fetch %s: reading body: %w", url, body.err)}
	}
	return err
}

// cappedBody reads at most left bytes of r; past them it fails, and it
// remembers why it stopped early: the cap, or a network error.
type cappedBody struct {
	r        io.Reader
	left     int64
	tooLarge bool
	err      error // a read error other than EOF
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte would pass the cap: is there one?
		var one [1]byte
		if n, _ := b.r.Read(one[:]); n > 0 {
			b.tooLarge = true
			return 0, ErrBodyTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// retryAfter is the wait a Retry-After header asks for, 0 when it asks
// for none (absent, unreadable or in the past).
func retryAfter(h http.Header, now time.Time) time.Duration {
	d, _ := wait.RetryAfter(h, now)
	return d
}
