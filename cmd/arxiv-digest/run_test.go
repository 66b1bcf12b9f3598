package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// TestRunQuantPhDay runs the whole command on a real day of quant-ph against
// a fake arXiv and a fake OpenAI API, then runs it again.
func TestRunQuantPhDay(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{Model: "gpt-5-mini", APIKey: testKey, MeanLatency: 20e6, Sigma: 0.3, Seed: 1})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")

	res := runCLI(t, "run", "--config", cfg)
	if res.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	if arxiv.hits.Load() != 1 || arxiv.paths[0] != "/rss/quant-ph" {
		t.Errorf("arXiv requests: %d %v, want one GET /rss/quant-ph", arxiv.hits.Load(), arxiv.paths)
	}
	if ua := arxiv.agents[0]; !strings.HasPrefix(ua, "arxiv-digest/") || !strings.Contains(ua, "https://") {
		t.Errorf("User-Agent %q lacks the program, version and contact URL", ua)
	}
	st := llm.Stats()
	if st.Requests != 81 || st.Completed != 81 {
		t.Errorf("model requests = %d (%d answered), want 81: one per paper", st.Requests, st.Completed)
	}
	if st.MaxInFlight > 4 {
		t.Errorf("max in flight %d exceeds llm.concurrency 4", st.MaxInFlight)
	}

	d := readDigest(t, dir, "2025-04-28")
	if d.Date != "2025-04-28" || d.Stats.Fetched != 81 || d.Stats.Judged != 81 || d.Stats.Failed != 0 || d.Stats.Skipped != 0 {
		t.Fatalf("digest stats = %+v", d.Stats)
	}
	wantTypes := map[model.AnnounceType]int{model.New: 40, model.Cross: 10, model.Replace: 22, model.ReplaceCross: 9}
	selected := 0
	for _, p := range d.Papers {
		wantTypes[p.AnnounceType]--
		if p.Status != model.StatusJudged || len(p.Scores) != 2 {
			t.Errorf("%s: status %s with %d scores", p.ID, p.Status, len(p.Scores))
		}
		if p.AbsURL != "https://arxiv.org/abs/"+p.ID || p.Version < 1 {
			t.Errorf("%s: abs_url %q version %d", p.ID, p.AbsURL, p.Version)
		}
		sel := 0
		for _, s := range p.Scores {
			if s.Relevance >= d.Threshold {
				sel++
			}
		}
		if sel != len(p.SelectedTopics) {
			t.Errorf("%s: %d scores over the threshold but selected for %v", p.ID, sel, p.SelectedTopics)
		}
		if sel > 0 {
			selected++
		}
	}
	// TeX in author names is decoded in digest.json too.
	authors := map[string]bool{}
	for _, p := range d.Papers {
		for _, a := range p.Authors {
			authors[a] = true
			if strings.ContainsAny(a, `\{}`) {
				t.Errorf("%s: author %q still holds TeX", p.ID, a)
			}
		}
	}
	for _, name := range []string{"Jakob Günther", "Michal Hajdušek"} {
		if !authors[name] {
			t.Errorf("no author %q in digest.json", name)
		}
	}
	for typ, n := range wantTypes {
		if n != 0 {
			t.Errorf("announce type %s off by %d", typ, n)
		}
	}
	if d.Stats.Selected != selected {
		t.Errorf("stats.selected = %d, papers selected = %d", d.Stats.Selected, selected)
	}
	if d.Stats.Tokens.Prompt == 0 || d.Stats.CostUSD == nil || *d.Stats.CostUSD <= 0 {
		t.Errorf("tokens %+v cost %v: usage not recorded", d.Stats.Tokens, d.Stats.CostUSD)
	}
	for _, name := range []string{"digest.md", "digest.html"} {
		if fi, err := os.Stat(filepath.Join(dir, "digests", "2025-04-28", name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}

	// The same day again: nothing to pay for, nothing fetched twice in vain.
	res = runCLI(t, "run", "--config", cfg)
	if res.code != 0 || !strings.Contains(res.stdout, "already complete") {
		t.Errorf("second run: exit %d, stdout %q", res.code, res.stdout)
	}
	if n := llm.Stats().Requests; n != 81 {
		t.Errorf("second run made %d model requests, want 0", n-81)
	}
	// --force rebuilds, still paying for nothing already judged.
	res = runCLI(t, "run", "--config", cfg, "--force")
	if res.code != 0 || llm.Stats().Requests != 81 {
		t.Errorf("--force: exit %d, model requests %d (want still 81)\n%s", res.code, llm.Stats().Requests, res.stderr)
	}
}

func TestRunDefaultAnnounceTypes(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, bytes.Replace(data, []byte("  announce_types: [new, cross, replace, replace-cross]\n"), nil, 1), 0o644)

	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	d := readDigest(t, dir, "2025-04-28")
	// fetched counts what the feed held, kept what the announce types keep.
	if d.Stats.Fetched != 81 || d.Stats.Kept != 50 || len(d.Papers) != 50 || llm.Stats().Requests != 50 {
		t.Errorf("default [new, cross]: fetched %d, kept %d, %d papers, %d requests; want 81, 50, 50, 50",
			d.Stats.Fetched, d.Stats.Kept, len(d.Papers), llm.Stats().Requests)
	}
	if b := d.Stats.ByAnnounce; b[model.New] != 40 || b[model.Cross] != 10 || b[model.Replace] != 22 || b[model.ReplaceCross] != 9 {
		t.Errorf("by announce type: %v, want the whole feed's 40/10/22/9", b)
	}
	for _, p := range d.Papers {
		if p.AnnounceType != model.New && p.AnnounceType != model.Cross {
			t.Errorf("%s has announce type %s", p.ID, p.AnnounceType)
		}
	}
}

func TestRunNoAnnouncements(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_empty_cs_sunday_2026-03-29.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	res := runCLI(t, "run", "--config", cfg)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	d := readDigest(t, dir, "2026-03-29")
	if !d.NoAnnouncements || d.Stats.Fetched != 0 || len(d.Papers) != 0 || llm.Stats().Requests != 0 {
		t.Errorf("no-announcement day: %+v, model requests %d", d, llm.Stats().Requests)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "digests", "2026-03-29", "digest.md"))
	if !strings.Contains(strings.ToLower(string(md)), "no announcements") {
		t.Errorf("digest.md does not say there were no announcements:\n%s", md)
	}
}

const feedErrorDoc = `<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>Feed error for query: quant-ph</title>
    <link>http://rss.arxiv.org/rss/quant-ph</link>
    <description>Feed error for query: quant-ph</description>
    <atom:link href="http://rss.arxiv.org/rss/quant-ph" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>Sun, 29 Mar 2026 04:00:00 +0000</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>Sun, 29 Mar 2026 00:00:00 -0400</pubDate>
  </channel>
</rss>`

// TestRunBadFeeds: a feed that cannot be read fails the run (exit 1), writes
// nothing and leaves an earlier digest untouched.
func TestRunBadFeeds(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("first run: exit %d: %s", res.code, res.stderr)
	}
	before := snapshot(t, filepath.Join(dir, "digests"))
	rss1, err := os.ReadFile("../../fetch/testdata/rss1_cs_2018-08-30_excerpt.xml")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, ct, body string
		status         int
		want           string
	}{
		{"arXiv's error document", "application/rss+xml", feedErrorDoc, 200, "quant-ph"},
		{"malformed XML", "application/rss+xml", "<rss><channel><title>x</title><item>", 200, "/rss/quant-ph"},
		{"an HTML page", "text/html", "<!DOCTYPE html><html><body>Maintenance</body></html>", 200, "/rss/quant-ph"},
		{"an empty body", "application/rss+xml", "", 200, "/rss/quant-ph"},
		{"HTTP 404", "text/plain", "not found", 404, "404"},
		// arXiv's RSS before 2024 carries no announce types: it must not
		// pass for a complete, empty day.
		{"arXiv's RSS 1.0 format", "application/rdf+xml", string(rss1), 200, "this looks like arXiv's RSS 1.0 format from before 2024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arxiv.serve(tt.status, tt.ct, []byte(tt.body))
			res := runCLI(t, "run", "--config", cfg, "--force")
			if res.code != 1 {
				t.Errorf("exit %d, want 1\n%s", res.code, res.stderr)
			}
			lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, tt.want) {
				t.Errorf("error %q does not name %q", last, tt.want)
			}
			if after := snapshot(t, filepath.Join(dir, "digests")); after != before {
				t.Errorf("the outputs changed after a failed fetch")
			}
			index, _ := os.ReadFile(filepath.Join(dir, "digests", "index.html"))
			if !strings.Contains(string(index), "Fetch failed at") {
				t.Errorf("index.html does not tell that the fetch failed")
			}
		})
	}
	if n := llm.Stats().Requests; n != 81 {
		t.Errorf("failed fetches made %d model requests", n-81)
	}
	// The next good run clears the notice.
	arxiv.serve(200, "application/rss+xml", readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	if res := runCLI(t, "run", "--config", cfg, "--force"); res.code != 0 {
		t.Fatalf("good run: exit %d: %s", res.code, res.stderr)
	}
	if index, _ := os.ReadFile(filepath.Join(dir, "digests", "index.html")); strings.Contains(string(index), "Fetch failed") {
		t.Errorf("index.html still shows the failure after a good run")
	}
}

// snapshot is every digest file's name and content, to see that nothing changed.
func snapshot(t testing.TB, root string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Dir(path) == root {
			return nil // only the days' folders: the store, lock and history pages are not digests
		}
		data, _ := os.ReadFile(path)
		b.WriteString(path + "\n" + string(data) + "\n")
		return nil
	})
	return b.String()
}

// TestRunFailedPapers: a paper the model cannot judge is recorded failed
// with its reason, never scored, and the exit code is 3.
func TestRunFailedPapers(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	// Every answer about this paper is broken JSON; the rest are fine.
	const victim = "Self-Adjoint Time Operator in a Weighted Energy Space"
	llm := fakeopenai.NewT(t, fakeopenai.Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		body := peekBody(r)
		if !strings.Contains(body, victim) {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"chatcmpl-x","object":"chat.completion","created":1,"model":"gpt-5-mini","choices":[{"index":0,"message":{"role":"assistant","content":"{\"topics\": {oops","refusal":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":100,"completion_tokens":5,"total_tokens":105}}`))
		return true
	}})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	res := runCLI(t, "run", "--config", cfg)
	if res.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", res.code, res.stderr)
	}
	d := readDigest(t, dir, "2025-04-28")
	if d.Stats.Failed != 1 || d.Stats.Judged != 80 {
		t.Fatalf("stats %+v", d.Stats)
	}
	for _, p := range d.Papers {
		if p.ID == "2504.17830" {
			if p.Status != model.StatusFailed || p.Error == "" || len(p.Scores) != 0 || len(p.SelectedTopics) != 0 {
				t.Errorf("failed paper: %+v", p)
			}
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "digests", "2025-04-28", "digest.md"))
	if !strings.Contains(string(md), "Time Operator in a Weighted Energy Space") {
		t.Errorf("digest.md does not list the paper that could not be judged")
	}
	// A rerun retries exactly the failed paper.
	before := llm.Stats().Requests
	res = runCLI(t, "run", "--config", cfg)
	if got := llm.Stats().Requests - before; got != 2 { // one answer plus the one retry of a bad answer
		t.Errorf("rerun made %d requests, want 2 (only the failed paper, retried once)", got)
	}
}

// TestRunRefusedByAPI: a bad key stops the run at once; what was fetched is
// still written, marked incomplete, and the exit code is 1.
func TestRunRefusedByAPI(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{APIKey: "sk-the-right-one"})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	res := runCLI(t, "run", "--config", cfg)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "401") {
		t.Errorf("stderr does not explain the refusal:\n%s", res.stderr)
	}
	if n := llm.Stats().Requests; n > 4 {
		t.Errorf("%d requests after a 401; want the run stopped at once (at most the 4 in flight)", n)
	}
	d := readDigest(t, dir, "2025-04-28")
	if !d.Incomplete || d.Stats.Fetched != 81 || d.Stats.Skipped+d.Stats.Failed != 81 || len(d.Papers) != 81 {
		t.Errorf("refused run digest: incomplete=%v stats=%+v", d.Incomplete, d.Stats)
	}
	if strings.Contains(res.stderr+res.stdout, testKey) {
		t.Errorf("the API key leaked into the output")
	}
}

func TestRunUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir, "http://127.0.0.1:1", "http://127.0.0.1:1/v1", "")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"run", "--config", cfg, "--bogus"}, "unknown flag: --bogus"},
		{"missing config", []string{"run", "--config", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{"bad date", []string{"run", "--config", cfg, "--date", "28-04-2025"}, `--date: "28-04-2025" is not a date: write it YYYY-MM-DD`},
		{"future date", []string{"run", "--config", cfg, "--date", "2030-01-07"}, "--date: 2030-01-07 is in the future: the newest announcement is "},
		{"saturday", []string{"run", "--config", cfg, "--date", "2026-11-28"}, "--date: arXiv makes no announcement dated a Saturday (2026-11-28)"},
		{"sunday", []string{"run", "--config", cfg, "--date", "2026-11-29"}, "--date: arXiv makes no announcement dated a Sunday (2026-11-29)"},
		{"fetch bad date", []string{"fetch", "--config", cfg, "--date", "28-11-2024"}, `--date: "28-11-2024" is not a date`},
		{"fetch future date", []string{"fetch", "--config", cfg, "--date", "2030-01-07"}, "--date: 2030-01-07 is in the future"},
		{"render bad date", []string{"render", "--config", cfg, "--date", "28-11-2024"}, `--date "28-11-2024" is not a date: write it YYYY-MM-DD`},
		{"render NaN threshold", []string{"render", "--config", cfg, "--threshold", "NaN"}, "--threshold: invalid value NaN: must be between 0 and 1"},
		{"render infinite threshold", []string{"render", "--config", cfg, "--threshold", "+Inf"}, "--threshold: invalid value +Inf: must be between 0 and 1"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, tt.args...)
			if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", res.code, res.stderr, tt.want)
			}
		})
	}
	t.Run("unset API key", func(t *testing.T) {
		data, _ := os.ReadFile(cfg)
		os.WriteFile(cfg, bytes.Replace(data, []byte("TEST_LLM_KEY"), []byte("UNSET_KEY_VAR"), 1), 0o644)
		res := runCLI(t, "run", "--config", cfg)
		if res.code != 2 || !strings.Contains(res.stderr, "environment variable UNSET_KEY_VAR is not set") {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
	t.Run("bad config value", func(t *testing.T) {
		os.WriteFile(cfg, []byte("arxiv:\n  categories: [cs.CL]\ntopics:\n  - name: A\n    description: B\nllm:\n  concurrency: -3\n"), 0o644)
		res := runCLI(t, "run", "--config", cfg)
		if res.code != 2 || !strings.Contains(res.stderr, "line 7: llm.concurrency: invalid value -3") {
			t.Errorf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

// TestRunFaultsThenRerun: under server faults every paper ends judged or
// failed with a reason (none lost, none skipped, none scored by default),
// and a rerun with the faults gone pays exactly for the failed ones.
func TestRunFaultsThenRerun(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{Seed: 9, MeanLatency: 5e6,
		Faults: fakeopenai.Faults{Status500: 0.25, Drop: 0.1, InvalidJSON: 0.15, Truncated: 0.05, MissingTopic: 0.05}})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, bytes.Replace(data, []byte("max_retries: 1"), []byte("max_retries: 0"), 1), 0o644)

	res := runCLI(t, "run", "--config", cfg)
	d := readDigest(t, dir, "2025-04-28")
	if d.Stats.Failed == 0 {
		t.Fatalf("no paper failed under these faults; the test proves nothing (stats %+v)", d.Stats)
	}
	if res.code != 3 {
		t.Errorf("exit %d with %d failed, want 3", res.code, d.Stats.Failed)
	}
	if d.Stats.Judged+d.Stats.Failed != 81 || d.Stats.Skipped != 0 {
		t.Errorf("stats %+v: every paper must end judged or failed", d.Stats)
	}
	for _, p := range d.Papers {
		if p.Status == model.StatusFailed && (p.Error == "" || len(p.Scores) != 0) {
			t.Errorf("%s failed without a reason or with scores: %+v", p.ID, p)
		}
	}
	llm.SetFaults(fakeopenai.Faults{})
	before := llm.Stats().Requests
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("rerun: exit %d: %s", res.code, res.stderr)
	}
	if got := llm.Stats().Requests - before; got != int64(d.Stats.Failed) {
		t.Errorf("rerun made %d requests for %d failed papers", got, d.Stats.Failed)
	}
	if d2 := readDigest(t, dir, "2025-04-28"); d2.Stats.Judged != 81 {
		t.Errorf("after the rerun: %+v", d2.Stats)
	}
}

// TestJudgementsAreReused: a paper seen on an earlier day is not judged
// again, and changing one topic re-judges that topic only.
func TestJudgementsAreReused(t *testing.T) {
	dir := t.TempDir()
	monday := readFixture(t, "rss2_quant-ph_2025-04-28.xml")
	arxiv := newFakeArxiv(t, monday)
	var topicsAsked sync.Map // topic-list signature -> count
	llm := fakeopenai.NewT(t, fakeopenai.Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		body := peekBody(r)
		key := "both"
		switch {
		case !strings.Contains(body, `"Entanglement"`):
			key = "Error correction only"
		case !strings.Contains(body, `"Error correction"`):
			key = "Entanglement only"
		}
		v, _ := topicsAsked.LoadOrStore(key, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
		return false
	}})
	asked := func(key string) int64 {
		if v, ok := topicsAsked.Load(key); ok {
			return v.(*atomic.Int64).Load()
		}
		return 0
	}
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("monday: exit %d: %s", res.code, res.stderr)
	}
	mondayDigest := readDigest(t, dir, "2025-04-28")

	// Tuesday's feed announces the same papers again (as cross-lists and
	// replacements are): nothing is paid twice.
	arxiv.serve(200, "application/rss+xml", bytes.ReplaceAll(monday, []byte("Mon, 28 Apr 2025"), []byte("Tue, 29 Apr 2025")))
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("tuesday: exit %d: %s", res.code, res.stderr)
	}
	if n := llm.Stats().Requests; n != 81 {
		t.Errorf("Tuesday's run made %d model requests for papers judged on Monday", n-81)
	}
	if d := readDigest(t, dir, "2025-04-29"); d.Stats.Judged != 81 {
		t.Errorf("tuesday: %+v", d.Stats)
	}

	// A new description for one topic: only that topic is asked about.
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, bytes.Replace(data, []byte("Quantum error correction and fault tolerance"), []byte("Quantum error-correcting codes, decoders and thresholds"), 1), 0o644)
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("changed topic: exit %d: %s", res.code, res.stderr)
	}
	if got := asked("Error correction only"); got != 81 || asked("Entanglement only") != 0 || llm.Stats().Requests != 162 {
		t.Errorf("after changing one topic: %d requests for it alone, %d for the other, %d in all (want 81, 0, 162)",
			got, asked("Entanglement only"), llm.Stats().Requests)
	}
	d := readDigest(t, dir, "2025-04-29")
	for i, p := range d.Papers {
		ent, _ := p.Score("Entanglement")
		before, _ := mondayDigest.Papers[i].Score("Entanglement")
		if p.Status != model.StatusJudged || ent != before {
			t.Errorf("%s: the unchanged topic's judgement changed: %+v -> %+v", p.ID, before, ent)
		}
	}
}
