// Package fakeopenai is an in-process, OpenAI-compatible Chat Completions
// server for tests and benchmarks. It speaks the wire contract of package
// classify's tasks (a system message with the instructions, one user
// message with the paper, a strict JSON-schema response format: relevance
// scores per topic, or a TL;DR) and behaves like the real API:
// status codes and error bodies in OpenAI's shape, x-ratelimit-* and
// retry-after headers, lognormal latency, server-side RPM/TPM limits, prompt
// caching in the usage block and injectable faults.
//
// It is test infrastructure: it binds 127.0.0.1 only and never needs the
// internet.
package fakeopenai

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Config configures a fake server. The zero value is a valid server that
// accepts any model and key, answers instantly and never rate limits.
type Config struct {
	// Model is the model the server accepts; other models get 404
	// model_not_found. "" accepts any model.
	Model string
	// APIKey is the required bearer key; a wrong or missing key gets 401
	// invalid_api_key. "" accepts any key (or none).
	APIKey string
	// MeanLatency is the MEAN (not the median) of the lognormal service time
	// of every answer that is not a 429 or an early 4xx.
	MeanLatency time.Duration
	// Sigma is the lognormal sigma (0.3 in the benchmarks); 0 means a
	// constant latency of MeanLatency.
	Sigma float64
	// RPM and TPM are server-side limits per minute; 0 means unlimited.
	RPM, TPM int
	// Burst is the window over which the per-minute limits are enforced:
	// each limit is a bucket refilled continuously at limit/minute with a
	// capacity of limit*Burst/minute. Default 1s, so a 3000 RPM limit admits
	// about 50 requests at once and then 50 per second.
	Burst time.Duration
	// Faults are per-request fault probabilities, drawn from a seeded RNG.
	Faults Faults
	// Seed seeds the RNG used for latency and faults.
	Seed int64
	// Score returns the relevance for (user message text, topic name).
	// Default: a deterministic hash in [0,1], but 0.95 when the topic name
	// appears (case-insensitively) in the paper text. Like TLDR and
	// Handler, it is called from concurrent requests.
	Score func(paper string, topic string) float64
	// TLDR returns the TL;DR of a paper (the user message text) for
	// requests whose schema asks for one. Default: DefaultTLDR.
	TLDR func(paper string) string
	// Handler, when set, runs first for request n (1-based, in arrival
	// order); it returns true when it wrote the response itself. Use it for
	// scripted failures; WriteError and friends write OpenAI-shaped errors.
	Handler func(w http.ResponseWriter, r *http.Request, n int) bool
	// Batch configures the Batch API (/v1/files, /v1/batches).
	Batch BatchConfig

	// now is the clock of the rate limiter; tests in this package freeze it.
	now func() time.Time
}

// Faults are probabilities, each in [0,1], drawn independently per request
// after the request was admitted; the first one drawn (in field order) wins.
type Faults struct {
	Status500    float64 // 500 server_error
	Hang         float64 // no answer until the client gives up (or 5 minutes, then the connection is closed)
	Drop         float64 // the connection is closed without a response
	InvalidJSON  float64 // 200 whose content is not JSON
	Truncated    float64 // 200 with finish_reason "length" and content cut mid-JSON
	Refusal      float64 // 200 with a refusal and null content
	MissingTopic float64 // 200 whose answer omits the last topic
	Status503    float64 // 503 overloaded with retry-after: 1
}

func (f Faults) validate() error {
	for _, p := range []struct {
		name string
		v    float64
	}{
		{"Status500", f.Status500}, {"Hang", f.Hang}, {"Drop", f.Drop}, {"InvalidJSON", f.InvalidJSON},
		{"Truncated", f.Truncated}, {"Refusal", f.Refusal}, {"MissingTopic", f.MissingTopic}, {"Status503", f.Status503},
	} {
		if math.IsNaN(p.v) || p.v < 0 || p.v > 1 {
			return fmt.Errorf("fakeopenai: Faults.%s = %v, want a probability in [0,1]", p.name, p.v)
		}
	}
	return nil
}

// Server is a running fake. Its URL is the base URL to give the client
// (option.WithBaseURL); it ends in /v1.
type Server struct {
	URL string

	cfg     Config
	ts      *httptest.Server
	ctx     context.Context // cancelled by Close so hanging handlers end
	cancel  context.CancelFunc
	rng     *sampler
	limiter *limiter
	stats   recorder
	cache   promptCache
	batch   batches

	faultsMu sync.RWMutex
	faults   Faults
}

// hangLimit bounds the Hang fault when the client never gives up.
const hangLimit = 5 * time.Minute

// New starts a fake server on 127.0.0.1. It panics on an invalid Config
// (a fault probability outside [0,1], negative limits): it is test
// infrastructure and a bad config is a bug in the test. Call Close when
// done, or use NewT.
func New(cfg Config) *Server {
	if err := cfg.Faults.validate(); err != nil {
		panic(err)
	}
	if cfg.Batch.Steps < 0 || cfg.Batch.ExpireAfter < 0 {
		panic(fmt.Sprintf("fakeopenai: negative Batch.Steps or Batch.ExpireAfter in %+v", cfg.Batch))
	}
	if cfg.RPM < 0 || cfg.TPM < 0 || cfg.Burst < 0 || cfg.MeanLatency < 0 || cfg.Sigma < 0 {
		panic(fmt.Sprintf("fakeopenai: negative RPM/TPM/Burst/MeanLatency/Sigma in %+v", cfg))
	}
	if cfg.Burst == 0 {
		cfg.Burst = time.Second
	}
	if cfg.Score == nil {
		cfg.Score = DefaultScore
	}
	if cfg.TLDR == nil {
		cfg.TLDR = DefaultTLDR
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	s := &Server{
		cfg:     cfg,
		rng:     newSampler(cfg.Seed),
		limiter: newLimiter(cfg.RPM, cfg.TPM, cfg.Burst, cfg.now()),
		faults:  cfg.Faults,
	}
	s.stats.init()
	s.cache.init()
	s.batch.init()
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.ts.URL + "/v1"
	return s
}

// NewT starts a fake server and closes it when the test ends.
func NewT(t testing.TB, cfg Config) *Server {
	t.Helper()
	s := New(cfg)
	t.Cleanup(s.Close)
	return s
}

// Close ends hanging and sleeping handlers, then shuts the server down and
// waits for its handlers to return. It is safe to call more than once.
func (s *Server) Close() {
	s.cancel()
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// SetFaults replaces the fault probabilities for the requests that arrive
// from now on (e.g. to rerun with faults off). It panics on a probability
// outside [0,1].
func (s *Server) SetFaults(f Faults) {
	if err := f.validate(); err != nil {
		panic(err)
	}
	s.faultsMu.Lock()
	s.faults = f
	s.faultsMu.Unlock()
}

func (s *Server) currentFaults() Faults {
	s.faultsMu.RLock()
	defer s.faultsMu.RUnlock()
	return s.faults
}
