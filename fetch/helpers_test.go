package fetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"
)

const fixtures = "../testdata/arxiv/"

func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

// recorder keeps what the fake server saw and what the client slept.
type recorder struct {
	mu       sync.Mutex
	requests []*http.Request
	sleeps   []time.Duration
}

func (r *recorder) record(req *http.Request) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, req.Clone(context.Background()))
	return len(r.requests)
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.sleeps = append(r.sleeps, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *recorder) Requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.requests...)
}

func (r *recorder) Sleeps() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.sleeps...)
}

// fakeArxiv starts a server on 127.0.0.1 that records every request and
// answers the n-th (1-based) with handle. It closes when the test ends.
func fakeArxiv(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handle(w, r, rec.record(r))
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

// serveBody answers every request with status 200 and body.
func serveBody(contentType string, body []byte) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}
}

// newTestClient points a client at srv with a recorded Sleep.
func newTestClient(srv *httptest.Server, rec *recorder, mutate ...func(*Options)) *Client {
	opts := Options{
		RSSURL:    srv.URL + "/rss/",
		APIURL:    srv.URL + "/api/query",
		UserAgent: "arxiv-digest-test/1.0 (+https://example.invalid)",
		Sleep:     rec.sleep,
		APIDelay:  time.Millisecond,
	}
	for _, m := range mutate {
		m(&opts)
	}
	return New(srv.Client(), opts)
}
