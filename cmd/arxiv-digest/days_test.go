package main

// Tests of how a run treats the days the store already holds: the history
// after a kill, a past day first read from RSS, configs that changed, and
// two configs sharing one store.

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/lock"
)

// TestHistoryAfterKill: a run killed between the day's files and the
// history (or while writing the day's files) left index.html and feed.xml
// missing for good, because the rerun said "already complete". Any run now
// makes the files reflect the store, without a model request.
func TestHistoryAfterKill(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("run: exit %d: %s", res.code, res.stderr)
	}
	requests := llm.Stats().Requests
	out := filepath.Join(dir, "digests")

	// Killed after the day's files, before the history.
	for _, name := range []string{"index.html", "feed.xml"} {
		os.Remove(filepath.Join(out, name))
	}
	res := runCLI(t, "run", "--config", cfg)
	if res.code != 0 || !strings.Contains(res.stdout, "already complete") {
		t.Fatalf("rerun: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, name := range []string{"index.html", "feed.xml"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !bytes.Contains(b, []byte("2025-04-28")) {
			t.Errorf("%s after the rerun: %v, lists the day: %v", name, err, bytes.Contains(b, []byte("2025-04-28")))
		}
	}

	// Killed while writing the day's files: summary.json and digest.json
	// missing (digest.json is written last).
	for _, name := range []string{"summary.json", "digest.json"} {
		os.Remove(filepath.Join(out, "2025-04-28", name))
	}
	res = runCLI(t, "run", "--config", cfg)
	if res.code != 0 || !strings.Contains(res.stdout, "rewrote its files") {
		t.Fatalf("rerun: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if d := readDigest(t, dir, "2025-04-28"); d.Stats.Judged != 81 {
		t.Errorf("rewritten digest: %+v", d.Stats)
	}
	if _, err := os.Stat(filepath.Join(out, "2025-04-28", "summary.json")); err != nil {
		t.Errorf("summary.json: %v", err)
	}

	// An unchanged history is not rewritten by a run that finds the day done.
	st, _ := os.Stat(filepath.Join(out, "index.html"))
	os.Chtimes(filepath.Join(out, "index.html"), st.ModTime().Add(-3600e9), st.ModTime().Add(-3600e9))
	st, _ = os.Stat(filepath.Join(out, "index.html"))
	runCLI(t, "run", "--config", cfg)
	if st2, _ := os.Stat(filepath.Join(out, "index.html")); !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("index.html was rewritten though nothing changed")
	}
	if n := llm.Stats().Requests - requests; n != 0 {
		t.Errorf("%d model requests after the first run", n)
	}
}

// TestRunDateKeepsTheRSSDay: `run --date D` (and --force) for a day the
// store holds from the RSS feed reuses that list rather than replacing it
// with the API's approximation; the API is asked only for a day the store
// does not have.
func TestRunDateKeepsTheRSSDay(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	var apiHits atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiHits.Add(1)
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(readFixture(t, "api_atom_2025fmt_all-cs.AI_2026-02-06.xml"))
	}))
	t.Cleanup(api.Close)
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	setConfig(t, cfg, "  rss_url: ", "  api_url: "+api.URL+"/api/query\n  rss_url: ")

	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("run: exit %d: %s", res.code, res.stderr)
	}
	requests := llm.Stats().Requests
	for _, args := range [][]string{{"--date", "2025-04-28"}, {"--date", "2025-04-28", "--force"}} {
		res := runCLI(t, append([]string{"run", "--config", cfg}, args...)...)
		if res.code != 0 {
			t.Fatalf("run %v: exit %d: %s", args, res.code, res.stderr)
		}
		d := readDigest(t, dir, "2025-04-28")
		if d.Source != "rss" || d.Stats.Judged != 81 || d.Stats.Fetched != 81 {
			t.Errorf("run %v: source %s, %+v; want the RSS day kept", args, d.Source, d.Stats)
		}
	}
	if n := apiHits.Load(); n != 0 {
		t.Errorf("the API was asked %d times for a day the store holds", n)
	}
	if n := llm.Stats().Requests - requests; n != 0 {
		t.Errorf("%d model requests for a day already judged", n)
	}
}

// TestConfigChangesTheDay: a run whose categories or announce types differ
// from the stored day's is not "already complete": the day is fetched again
// and what is new is judged.
func TestConfigChangesTheDay(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	setConfig(t, cfg, "announce_types: [new, cross, replace, replace-cross]", "announce_types: [new, cross]")
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 || llm.Stats().Requests != 50 {
		t.Fatalf("run: exit %d, %d requests: %s", res.code, llm.Stats().Requests, res.stderr)
	}

	setConfig(t, cfg, "announce_types: [new, cross]", "announce_types: [new, cross, replace, replace-cross]")
	res := runCLI(t, "run", "--config", cfg)
	if res.code != 0 || strings.Contains(res.stdout, "already complete") {
		t.Fatalf("announce types changed: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if d := readDigest(t, dir, "2025-04-28"); d.Stats.Kept != 81 || d.Stats.Judged != 81 {
		t.Errorf("announce types changed: %+v", d.Stats)
	}
	if n := llm.Stats().Requests; n != 81 {
		t.Errorf("%d requests in all, want 81: only the 31 replacements are new", n)
	}

	hits := arxiv.hits.Load()
	setConfig(t, cfg, "categories: [quant-ph]", "categories: [quant-ph, physics.optics]")
	res = runCLI(t, "run", "--config", cfg)
	if res.code != 0 || strings.Contains(res.stdout, "already complete") || arxiv.hits.Load() != hits+1 {
		t.Fatalf("categories changed: exit %d, %d feed requests\n%s%s", res.code, arxiv.hits.Load()-hits, res.stdout, res.stderr)
	}
	if d := readDigest(t, dir, "2025-04-28"); strings.Join(d.Categories, ",") != "quant-ph,physics.optics" {
		t.Errorf("categories changed: the digest says %v", d.Categories)
	}
	if got := arxiv.lastPath(); got != "/rss/quant-ph+physics.optics" {
		t.Errorf("fetched %s", got)
	}
	if n := llm.Stats().Requests; n != 81 {
		t.Errorf("%d requests in all, want 81", n)
	}
}

// TestSharedStore: two configs with different categories and output
// folders share one store.path. They take turns on the store's lock, each
// keeps its own day, and a judgement one of them paid for is not paid again
// by the other.
func TestSharedStore(t *testing.T) {
	dir := t.TempDir()
	quant := readFixture(t, "rss2_quant-ph_2025-04-28.xml")
	// 55 of the 81 papers get other ids; 26 are the same papers in both.
	optics := bytes.ReplaceAll(quant, []byte("2504.1"), []byte("2599.1"))
	arxiv := newFakeArxiv(t, nil)
	arxiv.route("/rss/quant-ph", quant)
	arxiv.route("/rss/physics.optics", optics)
	llm := fakeopenai.NewT(t, fakeopenai.Config{MeanLatency: 5e6})
	db := filepath.Join(dir, "shared", "judgements.db")
	storeKey := "store:\n  path: " + db + "\n"

	dirA, dirB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.MkdirAll(dirA, 0o755)
	os.MkdirAll(dirB, 0o755)
	cfgA := testConfig(t, dirA, arxiv.URL, llm.URL, storeKey)
	cfgB := testConfig(t, dirB, arxiv.URL, llm.URL, storeKey)
	setConfig(t, cfgB, "categories: [quant-ph]", "categories: [physics.optics]")

	// The lock is the store's: a run of B waits for (or is refused by) A's.
	l, err := lock.TryAcquire(db+".lock", lock.Holder{Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if res := runCLI(t, "run", "--config", cfgA); res.code != 4 {
		t.Errorf("run while the store's lock is held: exit %d, want 4\n%s", res.code, res.stderr)
	}
	l.Release()

	var wg sync.WaitGroup
	results := make([]result, 2)
	for i, cfg := range []string{cfgA, cfgB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runCLI(t, "run", "--config", cfg, "--wait")
		}()
	}
	wg.Wait()
	for i, res := range results {
		if res.code != 0 {
			t.Fatalf("config %d: exit %d: %s", i, res.code, res.stderr)
		}
	}
	if n := llm.Stats().Requests; n != 81+55 {
		t.Errorf("%d model requests, want 136: 81 for A, then B's 55 new papers", n)
	}
	a, b := readDigest(t, dirA, "2025-04-28"), readDigest(t, dirB, "2025-04-28")
	for _, p := range a.Papers {
		if strings.HasPrefix(p.ID, "2599.") {
			t.Errorf("A's digest holds B's paper %s", p.ID)
		}
	}
	nB := 0
	for _, p := range b.Papers {
		if strings.HasPrefix(p.ID, "2599.") {
			nB++
		}
	}
	if a.Stats.Judged != 81 || b.Stats.Judged != 81 || nB != 55 {
		t.Errorf("A %+v, B %+v with %d of its own ids", a.Stats, b.Stats, nB)
	}

	// Each config's day stays its own: reruns and renders change nothing.
	for _, cfg := range []string{cfgA, cfgB} {
		if res := runCLI(t, "run", "--config", cfg); res.code != 0 || !strings.Contains(res.stdout, "already complete") {
			t.Errorf("rerun: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
		if res := runCLI(t, "render", "--config", cfg); res.code != 0 {
			t.Errorf("render: exit %d: %s", res.code, res.stderr)
		}
	}
	if a2 := readDigest(t, dirA, "2025-04-28"); a2.Papers[0].ID != a.Papers[0].ID || a2.Stats.Judged != 81 {
		t.Errorf("A's day after B's rerun and render: first paper %s, %+v", a2.Papers[0].ID, a2.Stats)
	}
	if n := llm.Stats().Requests; n != 81+55 {
		t.Errorf("%d model requests after the reruns, want 136", n)
	}
}

// TestCheckOnlineReportsBoth: check --online tests the model even when the
// feed fails, and reports both.
func TestCheckOnlineReportsBoth(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, nil)
	arxiv.serve(http.StatusNotFound, "text/plain", []byte("not found"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{Model: "gpt-5-mini", APIKey: testKey})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	res := runCLI(t, "check", "--config", cfg, "--online")
	if res.code != 1 || !strings.Contains(res.stdout, "feed FAILED: ") || !strings.Contains(res.stdout, "model ok: gpt-5-mini") {
		t.Errorf("feed down: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	setConfig(t, cfg, "model: gpt-5-mini", "model: gpt-5-nano")
	res = runCLI(t, "check", "--config", cfg, "--online")
	if res.code != 1 || !strings.Contains(res.stdout, "feed FAILED: ") || !strings.Contains(res.stdout, "model FAILED: ") ||
		!strings.Contains(res.stderr, "the feed and the model both failed") {
		t.Errorf("both down: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// setConfig replaces old by new in the config file at path, failing the
// test when old is not there.
func setConfig(t testing.TB, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("config %s has no %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConditionalGet: the feed is fetched with the ETag and Last-Modified
// of the last response (kept in the store); a 304 means the day is the
// stored one, so a complete day is not downloaded again, and --force
// rebuilds it from the stored list.
func TestConditionalGet(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	const etag, lastMod = `"feed-2025-04-28"`, "Mon, 28 Apr 2025 04:00:00 GMT"
	arxiv.version(etag, lastMod)
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")

	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("run: exit %d: %s", res.code, res.stderr)
	}
	if got := arxiv.lastConditional(); got != "|" {
		t.Errorf("the first fetch sent validators %q; it has none yet", got)
	}
	for i := range 3 {
		res := runCLI(t, "run", "--config", cfg)
		if res.code != 0 || !strings.Contains(res.stdout, "already complete") {
			t.Fatalf("rerun %d: exit %d\n%s%s", i, res.code, res.stdout, res.stderr)
		}
		if got := arxiv.lastConditional(); got != etag+"|"+lastMod {
			t.Errorf("rerun %d sent If-None-Match|If-Modified-Since %q", i, got)
		}
	}
	if n := arxiv.full.Load(); n != 1 {
		t.Errorf("the feed was downloaded %d times, want once (then 304s)", n)
	}

	// --force on a 304 works from the stored list, without a model request.
	requests := llm.Stats().Requests
	res := runCLI(t, "run", "--config", cfg, "--force")
	if res.code != 0 || arxiv.full.Load() != 1 || llm.Stats().Requests != requests {
		t.Errorf("--force: exit %d, %d downloads, %d new requests\n%s", res.code, arxiv.full.Load(), llm.Stats().Requests-requests, res.stderr)
	}
	if d := readDigest(t, dir, "2025-04-28"); d.Stats.Judged != 81 || d.Stats.Fetched != 81 || d.Source != "rss" {
		t.Errorf("--force digest: %s %+v", d.Source, d.Stats)
	}

	// A new version of the feed is downloaded in full.
	arxiv.version(`"feed-2025-04-29"`, "Tue, 29 Apr 2025 04:00:00 GMT")
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 || arxiv.full.Load() != 2 {
		t.Errorf("changed feed: exit %d, %d downloads\n%s", res.code, arxiv.full.Load(), res.stderr)
	}
	if got := arxiv.lastConditional(); got != etag+"|"+lastMod {
		t.Errorf("the changed feed was asked with %q", got)
	}

	// Changed announce types: the stored list cannot serve, so no
	// validators are sent and the feed is read in full.
	setConfig(t, cfg, "announce_types: [new, cross, replace, replace-cross]", "announce_types: [new, cross]")
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 || arxiv.lastConditional() != "|" || arxiv.full.Load() != 3 {
		t.Errorf("changed announce types: exit %d, validators %q, %d downloads\n%s", res.code, arxiv.lastConditional(), arxiv.full.Load(), res.stderr)
	}
	if d := readDigest(t, dir, "2025-04-28"); d.Stats.Kept != 50 || d.Stats.Fetched != 81 {
		t.Errorf("changed announce types: %+v", d.Stats)
	}
}
