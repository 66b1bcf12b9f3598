package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/daemon"
	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/pipeline"
)

// TestRenderCommand re-renders a stored day at another threshold with no
// model request, and records the threshold used.
func TestRenderCommand(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("run: exit %d: %s", res.code, res.stderr)
	}
	before := readDigest(t, dir, "2025-04-28")
	requests := llm.Stats().Requests

	res := runCLI(t, "render", "--config", cfg, "--date", "2025-04-28", "--threshold", "0.3")
	if res.code != 0 {
		t.Fatalf("render: exit %d: %s", res.code, res.stderr)
	}
	after := readDigest(t, dir, "2025-04-28")
	if llm.Stats().Requests != requests {
		t.Errorf("render made %d model requests", llm.Stats().Requests-requests)
	}
	if after.Threshold != 0.3 || after.Stats.Selected <= before.Stats.Selected || after.Stats.Judged != 81 {
		t.Errorf("threshold 0.3: %v selected %d (was %d at %v), judged %d", after.Threshold, after.Stats.Selected,
			before.Stats.Selected, before.Threshold, after.Stats.Judged)
	}
	for i, p := range after.Papers {
		if !equalScores(p.Scores, before.Papers[i].Scores) {
			t.Errorf("%s: scores changed on re-render", p.ID)
		}
	}
	for _, name := range []string{"index.html", "feed.xml"} {
		if _, err := os.Stat(filepath.Join(dir, "digests", name)); err != nil {
			t.Errorf("history: %v", err)
		}
	}

	if res := runCLI(t, "render", "--config", cfg, "--all"); res.code != 0 || !strings.Contains(res.stdout, "2025-04-28: ") {
		t.Errorf("render --all: exit %d, stdout %q", res.code, res.stdout)
	}
	res = runCLI(t, "render", "--config", cfg, "--date", "2025-04-29")
	if res.code != 2 || !strings.Contains(res.stderr, "the store has no digest for 2025-04-29; it has 1 day: 2025-04-28") {
		t.Errorf("a date with no stored run: exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestRenderThresholdIsAPreview: render --threshold writes the digest at
// that threshold and says so, but records nothing that makes a later run
// or render keep it.
func TestRenderThresholdIsAPreview(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("run: exit %d: %s", res.code, res.stderr)
	}
	requests := llm.Stats().Requests
	page := func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "digests", "2025-04-28", "digest.html"))
		return string(b)
	}

	res := runCLI(t, "render", "--config", cfg, "--threshold", "0.3")
	if res.code != 0 || !strings.Contains(res.stdout, "at threshold 0.3 (a preview; the config's threshold is 0.7)") {
		t.Fatalf("render --threshold: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if d := readDigest(t, dir, "2025-04-28"); d.Threshold != 0.3 || !d.ThresholdPreview {
		t.Errorf("preview digest: threshold %v, preview %v", d.Threshold, d.ThresholdPreview)
	}
	if !strings.Contains(page(), "threshold 0.30 (a preview from render --threshold") {
		t.Errorf("the page does not say its threshold is a preview")
	}

	// The day is complete: run asks nothing, but puts the config's threshold back.
	res = runCLI(t, "run", "--config", cfg)
	if res.code != 0 || !strings.Contains(res.stdout, "rewrote its files") {
		t.Errorf("run after a preview: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if d := readDigest(t, dir, "2025-04-28"); d.Threshold != 0.7 || d.ThresholdPreview {
		t.Errorf("after run: threshold %v, preview %v; want the config's 0.7", d.Threshold, d.ThresholdPreview)
	}
	if strings.Contains(page(), "a preview") {
		t.Errorf("the page still says preview after run")
	}

	// render without --threshold uses the config's too, after another preview.
	runCLI(t, "render", "--config", cfg, "--threshold", "0.9")
	if res := runCLI(t, "render", "--config", cfg); res.code != 0 || !strings.Contains(res.stdout, "at threshold 0.7 -> ") {
		t.Errorf("render: exit %d: %s%s", res.code, res.stdout, res.stderr)
	}
	if d := readDigest(t, dir, "2025-04-28"); d.Threshold != 0.7 || d.ThresholdPreview {
		t.Errorf("after render: threshold %v, preview %v", d.Threshold, d.ThresholdPreview)
	}

	// A NaN threshold writes nothing.
	before := page()
	if res := runCLI(t, "render", "--config", cfg, "--threshold", "NaN"); res.code != 2 {
		t.Errorf("--threshold NaN: exit %d", res.code)
	}
	if page() != before {
		t.Errorf("render --threshold NaN rewrote the page")
	}
	if n := llm.Stats().Requests; n != requests {
		t.Errorf("%d model requests after the first run", n-requests)
	}
}

func equalScores(a, b []model.Score) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRunBudget stops starting requests once max_cost_usd would be passed:
// the rest are skipped (reason: budget) and the exit code is 3.
func TestRunBudget(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	// About 640 tokens a request at $20 per million: $0.013 each.
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	data, _ := os.ReadFile(cfg)
	data = bytes.Replace(data, []byte("  max_retries: 1\n"), []byte("  max_retries: 1\n  max_cost_usd: 0.5\n  price_per_million: {input: 20, cached_input: 20, output: 20}\n"), 1)
	os.WriteFile(cfg, data, 0o644)

	res := runCLI(t, "run", "--config", cfg)
	if res.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", res.code, res.stderr)
	}
	d := readDigest(t, dir, "2025-04-28")
	if d.Stats.Skipped == 0 || d.Stats.Judged == 0 || d.Stats.Judged+d.Stats.Skipped+d.Stats.Failed != 81 {
		t.Fatalf("stats %+v", d.Stats)
	}
	if d.Stats.CostUSD == nil || *d.Stats.CostUSD > 0.5 {
		t.Errorf("cost %v passed the budget of $0.50", d.Stats.CostUSD)
	}
	for _, p := range d.Papers {
		if p.Status == model.StatusSkipped && !strings.Contains(p.Error, "budget") {
			t.Errorf("%s skipped with reason %q, want the budget", p.ID, p.Error)
		}
	}
}

// TestRunDate builds a past day from a real arXiv API (Atom) document.
func TestRunDate(t *testing.T) {
	dir := t.TempDir()
	atom := readFixture(t, "api_atom_2025fmt_all-cs.AI_2026-02-06.xml")
	// One page holds the whole (20-entry) answer.
	atom = regexp.MustCompile(`<opensearch:totalResults>\d+`).ReplaceAll(atom, []byte("<opensearch:totalResults>20"))
	arxiv := newFakeArxiv(t, atom)
	arxiv.serve(200, "application/atom+xml; charset=utf-8", atom)
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	data, _ := os.ReadFile(cfg)
	data = bytes.Replace(data, []byte("categories: [quant-ph]"), []byte("categories: [cs.AI]"), 1)
	data = bytes.Replace(data, []byte("  rss_url:"), []byte("  api_url: "+arxiv.URL+"/api/query\n  rss_url:"), 1)
	os.WriteFile(cfg, data, 0o644)

	res := runCLI(t, "fetch", "--config", cfg, "--date", "2026-02-06", "--format", "json")
	if res.code != 0 {
		t.Fatalf("fetch --date: exit %d: %s", res.code, res.stderr)
	}
	var listed struct {
		Date   string        `json:"date"`
		Source string        `json:"source"`
		Papers []model.Paper `json:"papers"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &listed); err != nil {
		t.Fatalf("fetch --format json: %v\n%s", err, res.stdout)
	}
	if listed.Date != "2026-02-06" || listed.Source != "api" || len(listed.Papers) != 20 {
		t.Errorf("fetch --date: date %s source %s, %d papers (want 20)", listed.Date, listed.Source, len(listed.Papers))
	}
	if llm.Stats().Requests != 0 {
		t.Errorf("fetch called the model")
	}
	if !strings.HasPrefix(arxiv.paths[0], "/api/query") {
		t.Errorf("fetch --date asked %v, want the API", arxiv.paths)
	}

	if res := runCLI(t, "run", "--config", cfg, "--date", "2026-02-06"); res.code != 0 {
		t.Fatalf("run --date: exit %d: %s", res.code, res.stderr)
	}
	d := readDigest(t, dir, "2026-02-06")
	if d.Source != "api" || d.Stats.Fetched != 20 || d.Stats.Judged != 20 || llm.Stats().Requests != 20 {
		t.Errorf("run --date: source %s, stats %+v, requests %d", d.Source, d.Stats, llm.Stats().Requests)
	}
	for _, name := range []string{"digest.md", "digest.html"} {
		page, _ := os.ReadFile(filepath.Join(dir, "digests", "2026-02-06", name))
		if !strings.Contains(string(page), "rebuilt from the arXiv API") {
			t.Errorf("%s does not say how a digest from the API can differ from the RSS one", name)
		}
	}
}

func TestInitCheckVersion(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "conf", "config.yaml")
	res := runCLI(t, "init", path)
	if res.code != 0 {
		t.Fatalf("init: exit %d: %s", res.code, res.stderr)
	}
	if res := runCLI(t, "init", path); res.code != 2 || !strings.Contains(res.stderr, "already exists") {
		t.Errorf("init over an existing file: exit %d, %q", res.code, res.stderr)
	}
	// The starter config is valid; check shows it with the key masked.
	data, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(data, []byte("api_key_env: OPENAI_API_KEY"), []byte("api_key_env: TEST_LLM_KEY"), 1), 0o644)
	res = runCLI(t, "check", "--config", path)
	if res.code != 0 {
		t.Fatalf("check: exit %d: %s", res.code, res.stderr)
	}
	if strings.Contains(res.stdout, testKey) || !strings.Contains(res.stdout, "API key: sk-...4a") ||
		!strings.Contains(res.stdout, "concurrency: 16") {
		t.Errorf("check output:\n%s", res.stdout)
	}
	if res := runCLI(t, "version"); res.code != 0 || !strings.HasPrefix(res.stdout, "arxiv-digest ") {
		t.Errorf("version: %d %q", res.code, res.stdout)
	}
	if res := runCLI(t, "completion", "bash"); res.code != 0 || !strings.Contains(res.stdout, "arxiv-digest") {
		t.Errorf("completion: %d", res.code)
	}
}

// TestSecondSignal: a second SIGINT exits at once, without waiting for the
// requests in flight.
func TestSecondSignal(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{MeanLatency: 30 * time.Second}) // answers never come in time
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	p := start(t, "run", "--config", cfg)
	waitFor(t, 30*time.Second, "requests in flight", func() bool { return llm.Stats().InFlight == 4 })
	p.cmd.Process.Signal(syscall.SIGINT)
	waitFor(t, 5*time.Second, "the first signal to be noticed", func() bool { return strings.Contains(p.stderr.String(), "stopping") })
	p.cmd.Process.Signal(syscall.SIGINT)
	if code := p.wait(t, 3*time.Second); code != 130 {
		t.Errorf("exit %d after a second SIGINT, want 130", code)
	}
	if llm.Stats().Completed != 0 {
		t.Errorf("the process waited for answers after the second signal")
	}
}

// TestCheckOnline proves the key, the model and the categories with one feed
// request and one tiny model request.
func TestCheckOnline(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{Model: "gpt-5-mini", APIKey: testKey})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	res := runCLI(t, "check", "--config", cfg, "--online")
	if res.code != 0 || !strings.Contains(res.stdout, "feed ok: 2025-04-28, 81 announcements") || !strings.Contains(res.stdout, "model ok: gpt-5-mini") {
		t.Fatalf("check --online: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if n := llm.Stats().Requests; n != 1 {
		t.Errorf("check --online made %d model requests, want 1", n)
	}
	if strings.Contains(res.stdout+res.stderr, testKey) {
		t.Errorf("check printed the API key")
	}
	// A wrong key is reported, with the exit code of a refused run.
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, bytes.Replace(data, []byte("model: gpt-5-mini"), []byte("model: gpt-5-nano"), 1), 0o644)
	res = runCLI(t, "check", "--config", cfg, "--online")
	if res.code != 1 || !strings.Contains(res.stderr, "404") {
		t.Errorf("unknown model: exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestRunRateLimitBeyondPatience: the API asks to wait an hour, more than
// llm.max_rate_limit_wait (15m). The run stops sending, writes the digest
// with the rest skipped and the reason, and exits 3.
func TestRunRateLimitBeyondPatience(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		w.Header().Set("retry-after", "3600")
		fakeopenai.WriteError(w, http.StatusTooManyRequests, "requests", "rate_limit_exceeded",
			"Rate limit reached for gpt-5-mini in organization org-fake on requests per day (RPD): Limit 10000, Used 10000, Requested 1. Please try again in 1h0m0s.")
		return true
	}})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	res := runCLI(t, "run", "--config", cfg)
	if res.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", res.code, res.stderr)
	}
	const reason = "server asked to wait 1h0m0s; llm.max_rate_limit_wait is 15m0s"
	if !strings.Contains(res.stderr, reason) {
		t.Errorf("stderr does not say why:\n%s", res.stderr)
	}
	if n := llm.Stats().Requests; n > 4 {
		t.Errorf("%d requests, want at most llm.concurrency (4)", n)
	}
	d := readDigest(t, dir, "2025-04-28")
	if !d.Incomplete || !strings.Contains(d.RunError, reason) || d.Stats.Judged != 0 || d.Stats.Skipped < 77 || d.Stats.Failed+d.Stats.Skipped != 81 {
		t.Errorf("digest: incomplete=%v run_error %q stats %+v", d.Incomplete, d.RunError, d.Stats)
	}
	for _, p := range d.Papers {
		if p.Status == model.StatusJudged || !strings.Contains(p.Error, reason) {
			t.Errorf("%s: %s %q", p.ID, p.Status, p.Error)
		}
	}
}

// TestRetryVerdict: the daemon gives up on a refused run and on the budget,
// but retries a run stopped by a server that asked to wait too long.
func TestRetryVerdict(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{"refused", fmt.Errorf("judge: %w", &classify.FatalError{StatusCode: 401, Code: "invalid_api_key"}), true},
		{"budget", fmt.Errorf("%w: max_cost_usd 0.5000", classify.ErrBudget), true},
		{"rate limit patience", fmt.Errorf("%w: server asked to wait 1h0m0s; llm.max_rate_limit_wait is 15m0s", classify.ErrRateLimitPatience), false},
		{"late feed", pipeline.ErrNotYetAnnounced, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := retryVerdict(tt.err)
			if daemon.IsPermanent(got) != tt.permanent || !errors.Is(got, tt.err) {
				t.Errorf("retryVerdict(%v) = %v, permanent %v; want permanent %v", tt.err, got, daemon.IsPermanent(got), tt.permanent)
			}
		})
	}
}
