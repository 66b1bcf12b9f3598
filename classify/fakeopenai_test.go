package classify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// These tests run the engine against internal/fakeopenai, the shared fake
// of the real API (latency, limits, faults, OpenAI-shaped errors).

func fakeEngine(t *testing.T, srv *fakeopenai.Server, change func(*Options)) *Engine {
	t.Helper()
	o := testOptions(srv.URL)
	o.APIKey, o.Concurrency, o.Timeout = "sk-fake-key-1234", 16, 2*time.Second
	o.backoffBase, o.backoffCap = 5*time.Millisecond, 50*time.Millisecond
	if change != nil {
		change(&o)
	}
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestFakeFaultsLoseNothingAndScoreTheRightTopics(t *testing.T) {
	srv := fakeopenai.NewT(t, fakeopenai.Config{
		Model: "gpt-4o-mini", APIKey: "sk-fake-key-1234", MeanLatency: 10 * time.Millisecond, Sigma: 0.3, Seed: 7,
		Faults: fakeopenai.Faults{Status500: 0.05, Hang: 0.02, Drop: 0.03, InvalidJSON: 0.05, Truncated: 0.03, Refusal: 0.03, MissingTopic: 0.03},
	})
	// The timeout must end only the hangs: an answer the server billed
	// after the client gave up (a busy machine stretching a 10 ms answer
	// past the timeout) is billed but never counted, as with the real API,
	// and is paid again by the retry.
	e := fakeEngine(t, srv, func(o *Options) { o.Timeout = 2 * time.Second })
	jobs := testJobs(150)
	got, err := runAll(t, context.Background(), e, jobs)
	if err != nil {
		t.Fatal(err)
	}
	var usage model.Usage
	judged := 0
	for _, j := range jobs {
		r := got[j.Paper.ID]
		usage.Add(r.Usage)
		switch r.Status {
		case model.StatusJudged:
			judged++
			text := paperInput(j.Paper, true)
			for i, s := range r.Value {
				if s.Topic != j.Topics[i].Name || s.Relevance != fakeopenai.DefaultScore(text, s.Topic) || s.Reason == "" {
					t.Errorf("%s: score %+v, want %v for %q", j.Paper.ID, s, fakeopenai.DefaultScore(text, s.Topic), j.Topics[i].Name)
				}
			}
		case model.StatusFailed:
			if r.Err == nil || r.Attempts == 0 {
				t.Errorf("%s failed without a reason or an attempt", j.Paper.ID)
			}
		default:
			t.Errorf("%s: %s %v", j.Paper.ID, r.Status, r.Err)
		}
	}
	if judged < 140 {
		t.Errorf("judged %d of 150", judged)
	}
	st := srv.Stats()
	// The engine's own count: the server's may briefly run over, as a
	// handler whose client gave up (hang, drop) ends a moment later.
	if m := e.MaxInFlight(); m > 16 {
		t.Errorf("%d in flight", m)
	}
	// Usage counts every answer the server billed, invalid ones included.
	if usage.Prompt != st.PromptTokens || usage.Completion != st.CompletionTokens || usage.Cached != st.CachedTokens {
		t.Errorf("usage %+v; server billed prompt %d completion %d cached %d", usage, st.PromptTokens, st.CompletionTokens, st.CachedTokens)
	}
	if usage.Requests != st.Requests {
		t.Errorf("counted %d requests, server saw %d", usage.Requests, st.Requests)
	}
	for key, n := range st.Papers {
		if n > 2 {
			t.Errorf("%s paid %d times", key, n)
		}
	}
}

// TestFakeLimitsAreRespected: the engine learns the server's limits from
// its x-ratelimit-* headers and is never refused.
func TestFakeLimitsAreRespected(t *testing.T) {
	tests := []struct {
		name string
		cfg  fakeopenai.Config
		jobs int
	}{
		// 1200 RPM admits 20 at once, then 20 per second.
		{"requests", fakeopenai.Config{RPM: 1200, Seed: 8}, 60},
		// 600k TPM: about 10k tokens a second, some 14 requests of ~730
		// estimated tokens (prompt + completion cap) each.
		{"tokens", fakeopenai.Config{TPM: 600_000, Seed: 9}, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Model, tt.cfg.MeanLatency = "gpt-4o-mini", 20*time.Millisecond
			srv := fakeopenai.NewT(t, tt.cfg)
			got, err := runAll(t, context.Background(), fakeEngine(t, srv, nil), testJobs(tt.jobs))
			if err != nil {
				t.Fatal(err)
			}
			for id, r := range got {
				if r.Status != model.StatusJudged {
					t.Errorf("%s: %s %v", id, r.Status, r.Err)
				}
			}
			if st := srv.Stats(); st.RateLimited > 0 {
				t.Errorf("%d requests refused with 429 out of %d", st.RateLimited, st.Requests)
			}
		})
	}
}

func TestFakeFatalErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Options)
		status int
	}{
		{"wrong key", func(o *Options) { o.APIKey = "sk-wrong" }, 401},
		{"unknown model", func(o *Options) { o.Model = "gpt-4o-mini-nonexistent" }, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeopenai.NewT(t, fakeopenai.Config{Model: "gpt-4o-mini", APIKey: "sk-fake-key-1234", MeanLatency: 5 * time.Millisecond})
			e := fakeEngine(t, srv, tt.change)
			got, err := runAll(t, context.Background(), e, testJobs(100))
			var fe *FatalError
			if !errors.As(err, &fe) || fe.StatusCode != tt.status {
				t.Fatalf("Run: %v, want a FatalError %d", err, tt.status)
			}
			// Slow start: only the first few requests can be in flight
			// when the first answer stops the run.
			if n := srv.Stats().Requests; n > defaultSlowStart {
				t.Errorf("%d requests, want at most %d", n, defaultSlowStart)
			}
			skipped := 0
			for _, r := range got {
				if r.Status == model.StatusSkipped && errors.As(r.Err, &fe) {
					skipped++
				}
			}
			if skipped < 100-defaultSlowStart {
				t.Errorf("%d skipped with the fatal error", skipped)
			}
		})
	}
}

func TestFakeInsufficientQuota(t *testing.T) {
	srv := fakeopenai.NewT(t, fakeopenai.Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		fakeopenai.WriteInsufficientQuota(w)
		return true
	}})
	e := fakeEngine(t, srv, func(o *Options) { o.Concurrency = 1 })
	_, err := runAll(t, context.Background(), e, testJobs(5))
	var fe *FatalError
	if !errors.As(err, &fe) || fe.StatusCode != 429 || fe.Code != "insufficient_quota" {
		t.Fatalf("Run: %v", err)
	}
	if n := srv.Stats().Requests; n != 1 {
		t.Errorf("%d requests after insufficient_quota, want 1", n)
	}
}

func TestFakePromptCachingApplies(t *testing.T) {
	// Providers cache prompt prefixes of 1024+ tokens: with enough topics the
	// stable system message is served from the cache after the first paper.
	var topics []model.Topic
	for i := range 40 {
		topics = append(topics, model.Topic{Name: fmt.Sprintf("topic %d", i), Description: strings.Repeat("A long description of a research interest. ", 3)})
	}
	srv := fakeopenai.NewT(t, fakeopenai.Config{})
	e := fakeEngine(t, srv, func(o *Options) { o.Concurrency = 1 })
	jobs := testJobs(3)
	for i := range jobs {
		jobs[i].Topics = topics
	}
	got, err := runAll(t, context.Background(), e, jobs)
	if err != nil {
		t.Fatal(err)
	}
	// One request at a time: the first finds nothing cached, the others
	// find the system prefix.
	uncached := 0
	for id, r := range got {
		switch {
		case r.Status != model.StatusJudged:
			t.Errorf("%s: %s %v", id, r.Status, r.Err)
		case r.Usage.Cached == 0:
			uncached++
		case r.Usage.Cached < 1024:
			t.Errorf("%s: cached %d of %d prompt tokens", id, r.Usage.Cached, r.Usage.Prompt)
		}
	}
	if uncached != 1 {
		t.Errorf("%d papers without a cache hit, want 1", uncached)
	}
}
