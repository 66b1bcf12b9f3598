package pipeline

// The orchestrator's own tests: real fetch, store and engine, against an
// arXiv feed served from testdata and internal/fakeopenai, both on
// 127.0.0.1. The cmd package tests the same runs through the command line.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/fetch"
	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/internal/testfeed"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// feedServer serves the quant-ph day of testdata/arxiv, or status.
type feedServer struct {
	*httptest.Server
	status atomic.Int64 // 0 = 200 with the feed
	hits   atomic.Int64
}

func newFeedServer(t *testing.T) *feedServer {
	t.Helper()
	body, err := os.ReadFile("../testdata/arxiv/rss2_quant-ph_2025-04-28.xml")
	if err != nil {
		t.Fatal(err)
	}
	f := &feedServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		if s := f.status.Load(); s != 0 {
			w.WriteHeader(int(s))
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	t.Cleanup(f.Close)
	return f
}

// testRunner is a Runner on a fresh store and output folder, fetching from
// feed and asking llm, with the config the cmd tests use.
func testRunner(t testing.TB, feed *feedServer, llm *fakeopenai.Server, change func(*config.Config)) *Runner {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Arxiv.Categories = []string{"quant-ph"}
	cfg.Arxiv.AnnounceTypes = model.AnnounceTypes
	cfg.Arxiv.RSSURL = feed.URL + "/rss/"
	cfg.Topics = []config.Topic{
		{Name: "Entanglement", Description: "Quantum entanglement, its measures and uses"},
		{Name: "Error correction", Description: "Quantum error correction and fault tolerance"},
	}
	cfg.LLM.BaseURL, cfg.LLM.Concurrency, cfg.LLM.MaxRetries = llm.URL, 4, 1
	cfg.Output.Dir = filepath.Join(dir, "digests")
	if change != nil {
		change(&cfg)
	}
	st, err := store.Open(context.Background(), cfg.StorePath(), store.WithStream("."))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Runner{
		Config:  &cfg,
		Fetcher: fetch.New(nil, fetch.Options{RSSURL: cfg.Arxiv.RSSURL}),
		Store:   st,
		NewEngine: func() (*classify.Engine, error) {
			l := cfg.LLM
			return classify.New(classify.Options{
				BaseURL: l.BaseURL, APIKey: "sk-test", Model: l.Model, Concurrency: l.Concurrency,
				Timeout: l.Timeout.D(), MaxRetries: l.MaxRetries, MaxRateLimitWait: l.MaxRateLimitWait.D(),
				Grace: l.Grace.D(), MaxCostUSD: l.MaxCostUSD, Price: l.PricePerMillion,
			})
		},
		// Monday 28 April 2025, 21:00 in New York: Tuesday's announcement is
		// the one expected, and the feed shows Monday's.
		Now: func() time.Time { return time.Date(2025, 4, 29, 1, 0, 0, 0, time.UTC) },
	}
}

func TestRun(t *testing.T) {
	type check func(t *testing.T, r *Runner, res *Result, err error, llm *fakeopenai.Server, feed *feedServer)
	tests := []struct {
		name   string
		faults fakeopenai.Config
		change func(*config.Config)
		before func(t *testing.T, r *Runner) // a first run, or a broken feed
		opts   Options
		check  check
	}{
		{name: "a new day: judged, TL;DRs written, digest written",
			check: func(t *testing.T, r *Runner, res *Result, err error, llm *fakeopenai.Server, feed *feedServer) {
				d := res.Digest
				if err != nil || res.AlreadyDone || d.Stats.Judged != 81 || d.Stats.Selected == 0 || d.Incomplete {
					t.Fatalf("err %v, %+v", err, d.Stats)
				}
				if st := llm.Stats(); len(st.Papers) != 81 || len(st.TLDRs) != d.Stats.Selected || res.Requests != st.Requests {
					t.Errorf("%d judged, %d TL;DRs, %d requests (result says %d)", len(st.Papers), len(st.TLDRs), st.Requests, res.Requests)
				}
				if _, err := os.Stat(filepath.Join(res.Dir, "digest.json")); err != nil {
					t.Error(err)
				}
			}},
		{name: "a day done: nothing asked, nothing rewritten",
			before: func(t *testing.T, r *Runner) { mustRun(t, r, Options{}) },
			check: func(t *testing.T, r *Runner, res *Result, err error, llm *fakeopenai.Server, feed *feedServer) {
				if err != nil || !res.AlreadyDone || res.Rewritten || res.Requests != 0 {
					t.Errorf("err %v, result %+v", err, res)
				}
			}},
		{name: "a day done whose files were lost: rewritten from the store",
			before: func(t *testing.T, r *Runner) {
				res := mustRun(t, r, Options{})
				os.Remove(filepath.Join(res.Dir, "digest.json"))
			},
			check: func(t *testing.T, r *Runner, res *Result, err error, llm *fakeopenai.Server, feed *feedServer) {
				if err != nil || !res.Rewritten || res.Requests != 0 || res.Digest.Stats.Judged != 81 {
					t.Errorf("err %v, result %+v", err, res)
				}
			}},
		{name: "the feed is older than expected: nothing written",
			opts: Options{NotBefore: "2025-04-29"},
			check: func(t *testing.T, r *Runner, res *Result, err error, llm *fakeopenai.Server, feed *feedServer) {
				if !errors.Is(err, ErrNotYetAnnounced) || res != nil || llm.Stats().Requests != 0 {
					t.Errorf("err %v, result %+v", err, res)
				}
				if runs, _ := r.Store.Runs(context.Background()); len(runs) != 0 {
					t.Errorf("runs recorded: %v", runs)
				}
			}},
		{name: "the feed fails: a failed run of the expected day, and the notice",
			before: func(t *testing.T, r *Runner) {},
			check: func(t *testing.T, r *Runner, res *Result, err error, llm *fakeopenai.Server, feed *feedServer) {
				var he *fetch.HTTPError
				if !errors.As(err, &he) || res != nil {
					t.Fatalf("err %v, result %+v", err, res)
				}
				runs, _ := r.Store.Runs(context.Background())
				if len(runs) != 1 || runs[0].Status != store.RunFailed || runs[0].Date != "2025-04-29" {
					t.Errorf("runs %+v", runs)
				}
				index, _ := os.ReadFile(filepath.Join(r.Config.Output.Dir, "index.html"))
				if !strings.Contains(string(index), "No digest for 2025-04-29 yet") {
					t.Error("no failure notice on the index")
				}
			}},
		{name: "the model refuses the key: the digest is written, incomplete",
			faults: fakeopenai.Config{APIKey: "sk-another-key"},
			check: func(t *testing.T, r *Runner, res *Result, err error, llm *fakeopenai.Server, feed *feedServer) {
				var fe *classify.FatalError
				if !errors.As(err, &fe) || res == nil || !res.Digest.Incomplete || res.Digest.Stats.Skipped == 0 {
					t.Fatalf("err %v, result %+v", err, res)
				}
				run, _, _ := r.Store.Run(context.Background(), "2025-04-28")
				if run.Status != store.RunPartial {
					t.Errorf("run status %s", run.Status)
				}
			}},
		{name: "the budget stops judging: no TL;DR is asked for",
			change: func(c *config.Config) {
				c.LLM.MaxCostUSD, c.LLM.PricePerMillion = 0.3, &model.Price{Input: 20, CachedInput: 20, Output: 20}
			},
			check: func(t *testing.T, r *Runner, res *Result, err error, llm *fakeopenai.Server, feed *feedServer) {
				if !errors.Is(err, classify.ErrBudget) || res.Digest.Stats.Skipped == 0 || len(llm.Stats().TLDRs) != 0 {
					t.Errorf("err %v, %+v, %d TL;DRs", err, res.Digest.Stats, len(llm.Stats().TLDRs))
				}
			}},
		{name: "interrupted: the digest is written with the rest skipped",
			faults: fakeopenai.Config{MeanLatency: 200 * time.Millisecond},
			change: func(c *config.Config) { c.LLM.Grace = config.Duration(time.Second) },
			check: func(t *testing.T, r *Runner, res *Result, err error, llm *fakeopenai.Server, feed *feedServer) {
				if !errors.Is(err, ErrInterrupted) || res == nil || !res.Digest.Incomplete || res.Digest.Stats.Skipped == 0 {
					t.Fatalf("err %v, result %+v", err, res)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed := newFeedServer(t)
			llm := fakeopenai.NewT(t, tt.faults)
			r := testRunner(t, feed, llm, tt.change)
			if tt.name == "the feed fails: a failed run of the expected day, and the notice" {
				feed.status.Store(http.StatusNotFound)
			}
			if tt.before != nil {
				tt.before(t, r)
			}
			before := llm.Stats().Requests
			ctx := context.Background()
			if strings.HasPrefix(tt.name, "interrupted") {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				go func() {
					for llm.Stats().Completed < 4 {
						time.Sleep(10 * time.Millisecond)
					}
					cancel()
				}()
			}
			res, err := r.Run(ctx, tt.opts)
			if res != nil && res.AlreadyDone && llm.Stats().Requests != before {
				t.Errorf("a day already done made %d requests", llm.Stats().Requests-before)
			}
			tt.check(t, r, res, err, llm, feed)
		})
	}
}

func mustRun(t *testing.T, r *Runner, opts Options) *Result {
	t.Helper()
	res, err := r.Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

// BenchmarkRun is one run of a 2,000-paper day in-process, for profiles:
//
//	go test -run '^$' -bench BenchmarkRun -benchtime 1x -cpuprofile cpu.out ./pipeline
func BenchmarkRun(b *testing.B) {
	for range b.N {
		b.StopTimer()
		feed := &feedServer{}
		body := testfeed.Synthetic(2000)
		feed.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(body)
		}))
		llm := fakeopenai.New(fakeopenai.Config{MeanLatency: 50 * time.Millisecond, Sigma: 0.3, Seed: 11})
		r := testRunner(b, feed, llm, func(c *config.Config) {
			c.Arxiv.Categories = []string{"cs.CL"}
			c.LLM.Concurrency = 128
			c.TLDR.Enabled = false
		})
		b.StartTimer()
		if _, err := r.Run(context.Background(), Options{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		llm.Close()
		feed.Close()
	}
}
