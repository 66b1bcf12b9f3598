package pipeline

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// batchRunner is testRunner in batch mode, polling every millisecond.
func batchRunner(t *testing.T, feed *feedServer, llm *fakeopenai.Server, change func(*config.Config)) *Runner {
	t.Helper()
	r := testRunner(t, feed, llm, func(c *config.Config) {
		c.LLM.Mode = config.ModeBatch
		if change != nil {
			change(c)
		}
	})
	cfg := r.Config
	r.NewEngine = func() (*classify.Engine, error) {
		l := cfg.LLM
		return classify.New(classify.Options{
			BaseURL: l.BaseURL, APIKey: "sk-test", Model: l.Model, Concurrency: l.Concurrency,
			Timeout: l.Timeout.D(), MaxRetries: l.MaxRetries, MaxRateLimitWait: l.MaxRateLimitWait.D(),
			Grace: l.Grace.D(), MaxCostUSD: l.MaxCostUSD, Price: l.PricePerMillion,
			BatchPollMin: time.Millisecond, BatchPollMax: 5 * time.Millisecond,
		})
	}
	return r
}

// faultOnce answers the lines of the papers in ids with fault the first
// time they are asked, and normally after.
func faultOnce(fault fakeopenai.LineFault, ids ...string) func(string) fakeopenai.LineFault {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(customID string) fakeopenai.LineFault {
		mu.Lock()
		defer mu.Unlock()
		for _, id := range ids {
			if strings.HasPrefix(customID, "relevance:"+id+":") && !seen[customID] {
				seen[customID] = true
				return fault
			}
		}
		return fakeopenai.LineOK
	}
}

func TestBatchRun(t *testing.T) {
	feed := newFeedServer(t)
	llm := fakeopenai.NewT(t, fakeopenai.Config{Batch: fakeopenai.BatchConfig{Steps: 3}})
	r := batchRunner(t, feed, llm, nil)
	res := mustRun(t, r, Options{})
	d := res.Digest
	if res.Pending != nil || d.Stats.Judged != 81 || d.Stats.Selected == 0 || d.Incomplete || d.Stats.TLDRFailed != 0 {
		t.Fatalf("pending %+v, stats %+v", res.Pending, d.Stats)
	}
	st := llm.Stats()
	if st.Chat != 0 {
		t.Errorf("%d live requests in batch mode", st.Chat)
	}
	if st.Batches != 2 || len(st.Papers) != 81 || len(st.TLDRs) != d.Stats.Selected {
		t.Errorf("%d batches (want relevance and TL;DR), %d papers judged, %d TL;DRs for %d selected", st.Batches, len(st.Papers), len(st.TLDRs), d.Stats.Selected)
	}
	for _, e := range d.Papers {
		if len(e.SelectedTopics) > 0 && e.TLDR == "" {
			t.Errorf("%s is selected but has no TL;DR", e.ID)
		}
	}
	tok := d.Stats.Tokens
	if tok.Requests != 81+int64(d.Stats.Selected) || tok.Batch.Requests != tok.Requests || tok.Mode() != "batch" {
		t.Errorf("tokens = %+v", tok)
	}
	p, _ := classify.LookupPrice(r.Config.LLM.Model)
	liveTok := tok
	liveTok.Batch = model.BatchUsage{}
	if d.Stats.CostUSD == nil || math.Abs(*d.Stats.CostUSD-p.Cost(liveTok)/2) > 1e-9 {
		t.Errorf("cost %v, want half of the live price %v", d.Stats.CostUSD, p.Cost(liveTok))
	}
	if open, _ := r.Store.OpenBatches(context.Background()); len(open) != 0 {
		t.Errorf("open batches after the run: %+v", open)
	}
	// A second run asks nothing.
	if again := mustRun(t, r, Options{}); !again.AlreadyDone || llm.Stats().Batches != 2 {
		t.Errorf("second run: %+v, %d batches", again, llm.Stats().Batches)
	}
}

func TestBatchNoWaitThenCollect(t *testing.T) {
	feed := newFeedServer(t)
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	llm.HoldBatches(true)
	r := batchRunner(t, feed, llm, func(c *config.Config) { c.TLDR.Enabled = false })
	res := mustRun(t, r, Options{NoWait: true})
	if res.Pending == nil || res.Pending.ID == "" || res.Pending.Task != "relevance" || res.Pending.Waited {
		t.Fatalf("pending = %+v", res.Pending)
	}
	if _, err := os.Stat(filepath.Join(r.Config.Output.Dir, res.Digest.Date, "digest.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a digest was written while its batch is open: %v", err)
	}
	// Polling again without waiting submits nothing new.
	if again := mustRun(t, r, Options{NoWait: true}); again.Pending == nil || again.Pending.ID != res.Pending.ID {
		t.Errorf("second no-wait run: %+v", again.Pending)
	}
	llm.HoldBatches(false)
	done := mustRun(t, r, Options{})
	if done.Pending != nil || done.Digest.Stats.Judged != 81 {
		t.Fatalf("collecting run: pending %+v, %+v", done.Pending, done.Digest.Stats)
	}
	st := llm.Stats()
	if st.Batches != 1 || st.Chat != 0 {
		t.Errorf("%d batches, %d live requests; want one batch, none live", st.Batches, st.Chat)
	}
	for id, n := range st.Submitted {
		if n != 1 {
			t.Errorf("%s submitted %d times", id, n)
		}
	}
}

// TestBatchExpiryAndFailures: lines missing from an expired batch and
// lines that failed go into a follow-up batch, and only they.
func TestBatchExpiryAndFailures(t *testing.T) {
	feed := newFeedServer(t)
	expireAfter := 50
	llm := fakeopenai.NewT(t, fakeopenai.Config{Batch: fakeopenai.BatchConfig{Steps: 2, ExpireAfter: expireAfter,
		Line: faultOnce(fakeopenai.LineServerError, "2504.17830", "2504.17837")}})
	r := batchRunner(t, feed, llm, func(c *config.Config) { c.TLDR.Enabled = false })
	res := mustRun(t, r, Options{})
	if d := res.Digest; d.Stats.Judged != 81 || d.Stats.Failed != 0 || d.Incomplete {
		t.Fatalf("stats %+v, %s", d.Stats, d.RunError)
	}
	st := llm.Stats()
	again := 0
	for id, n := range st.Submitted {
		switch {
		case n == 2:
			again++
		case n != 1:
			t.Errorf("%s submitted %d times", id, n)
		}
	}
	// The first batch answered 48 of its first 50 lines (two failed) and
	// expired with 31 lines not run; the second had 33, the third none
	// (ExpireAfter is per batch: the second ends in time).
	if want := 81 - expireAfter + 2; again != want || st.Batches != 2 || st.Chat != 0 {
		t.Errorf("%d lines sent again in %d batches (%d live); want %d in 2", again, st.Batches, st.Chat, want)
	}
	for paper, n := range st.Papers {
		if n != 1 {
			t.Errorf("%s paid %d times", paper, n)
		}
	}
}

func TestBatchFallbackLive(t *testing.T) {
	feed := newFeedServer(t)
	llm := fakeopenai.NewT(t, fakeopenai.Config{Batch: fakeopenai.BatchConfig{ExpireAfter: 60}})
	r := batchRunner(t, feed, llm, func(c *config.Config) { c.TLDR.Enabled = false; c.LLM.BatchFallback = config.ModeLive })
	res := mustRun(t, r, Options{})
	st := llm.Stats()
	if res.Digest.Stats.Judged != 81 || st.Batches != 1 || st.Chat != 21 {
		t.Errorf("judged %d, %d batches, %d live requests; want 81, 1, 21", res.Digest.Stats.Judged, st.Batches, st.Chat)
	}
	if m := res.Digest.Stats.Tokens.Mode(); m != "batch and live" {
		t.Errorf("mode %q", m)
	}
}

// TestBatchInvalidAnswerRetriedOnce: an invalid answer goes into one
// follow-up; a second one fails the paper with its reason, never a score.
func TestBatchInvalidAnswerRetriedOnce(t *testing.T) {
	feed := newFeedServer(t)
	victim := "2504.17873"
	llm := fakeopenai.NewT(t, fakeopenai.Config{Batch: fakeopenai.BatchConfig{Line: func(id string) fakeopenai.LineFault {
		if strings.HasPrefix(id, "relevance:"+victim+":") {
			return fakeopenai.LineInvalidJSON
		}
		return fakeopenai.LineOK
	}}})
	r := batchRunner(t, feed, llm, func(c *config.Config) { c.TLDR.Enabled = false })
	res, err := r.Run(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Digest
	if d.Stats.Judged != 80 || d.Stats.Failed != 1 || llm.Stats().Batches != 2 {
		t.Fatalf("stats %+v, %d batches", d.Stats, llm.Stats().Batches)
	}
	for _, e := range d.Papers {
		if e.ID == victim && (e.Status != model.StatusFailed || !strings.Contains(e.Error, "invalid answer") || len(e.Scores) != 0) {
			t.Errorf("victim: %+v", e)
		}
	}
}

func TestBatchUnsupportedSendsNoPaper(t *testing.T) {
	feed := newFeedServer(t)
	llm := fakeopenai.NewT(t, fakeopenai.Config{Batch: fakeopenai.BatchConfig{Off: true}})
	r := batchRunner(t, feed, llm, nil)
	_, err := r.Run(context.Background(), Options{})
	if !errors.Is(err, classify.ErrBatchUnsupported) || !strings.Contains(err.Error(), "llm.mode") {
		t.Fatalf("err = %v, want ErrBatchUnsupported naming llm.mode", err)
	}
	if st := llm.Stats(); st.Chat != 0 || len(st.Papers) != 0 || st.Requests != 1 {
		t.Errorf("%d requests (%d live); want the one probe", st.Requests, st.Chat)
	}
}

func TestBatchCancel(t *testing.T) {
	feed := newFeedServer(t)
	llm := fakeopenai.NewT(t, fakeopenai.Config{Batch: fakeopenai.BatchConfig{Steps: 4}})
	r := batchRunner(t, feed, llm, func(c *config.Config) { c.TLDR.Enabled = false })
	first := mustRun(t, r, Options{NoWait: true})
	mustRun(t, r, Options{NoWait: true}) // in progress, a quarter answered
	if first.Pending == nil {
		t.Fatal("no pending batch")
	}
	res, err := r.Run(context.Background(), Options{CancelBatch: true})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Digest
	st := llm.Stats()
	if st.Cancelled != 1 || st.Batches != 1 || res.Pending != nil {
		t.Errorf("%d cancels, %d batches, pending %+v", st.Cancelled, st.Batches, res.Pending)
	}
	if d.Stats.Judged != 21 || d.Stats.Skipped != 60 || !strings.Contains(d.Papers[80].Error, "cancelled") {
		t.Errorf("stats %+v; last paper %q", d.Stats, d.Papers[80].Error)
	}
	if _, err := os.Stat(filepath.Join(res.Dir, "digest.json")); err != nil {
		t.Error(err)
	}
}
