package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// judgedDay runs the real quant-ph day against the fake model and returns
// the config's path and the digest it wrote.
func judgedDay(t *testing.T) (dir, cfg string, d model.Digest) {
	t.Helper()
	dir = t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg = testConfig(t, dir, arxiv.URL, llm.URL, "")
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("run: exit %d: %s", res.code, res.stderr)
	}
	return dir, cfg, readDigest(t, dir, "2025-04-28")
}

type searchOutput struct {
	Query string            `json:"query"`
	Hits  []store.SearchHit `json:"hits"`
}

func searchJSON(t *testing.T, cfg string, args ...string) searchOutput {
	t.Helper()
	res := runCLI(t, append([]string{"search", "--config", cfg, "--format", "json"}, args...)...)
	if res.code != 0 {
		t.Fatalf("search %v: exit %d: %s", args, res.code, res.stderr)
	}
	var out searchOutput
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatalf("search %v: %v\n%s", args, err, res.stdout)
	}
	return out
}

// checkHitsAgainstDigest: what a hit says of its day is what the day's
// digest says: the best score and its topic, and whether it was selected.
func checkHitsAgainstDigest(t *testing.T, hits []store.SearchHit, d model.Digest) {
	t.Helper()
	for _, h := range hits {
		i := slices.IndexFunc(d.Papers, func(e model.Entry) bool { return e.ID == h.ID })
		if i < 0 {
			t.Errorf("%s is not in the digest", h.ID)
			continue
		}
		e := d.Papers[i]
		best := slices.MaxFunc(e.Scores, func(a, b model.Score) int { return cmpRelevance(a, b) })
		if h.Relevance == nil || *h.Relevance != best.Relevance || h.Topic != best.Topic || h.Date != d.Date ||
			h.Selected != (len(e.SelectedTopics) > 0) || h.Title != e.Title {
			t.Errorf("hit %+v (relevance %v); digest: best %+v, selected %v", h, h.Relevance, best, e.SelectedTopics)
		}
	}
}

func cmpRelevance(a, b model.Score) int {
	switch {
	case a.Relevance < b.Relevance:
		return -1
	case a.Relevance > b.Relevance:
		return 1
	}
	return strings.Compare(b.Topic, a.Topic) // of equal scores, the first topic by name
}

func TestSearchCommand(t *testing.T) {
	_, cfg, d := judgedDay(t)

	res := runCLI(t, "search", "--config", cfg, "Schrodinger")
	if res.code != 0 || !strings.Contains(res.stdout, "2504.18372") || !strings.Contains(res.stdout, "2504.18477") ||
		!strings.HasPrefix(res.stdout, "DATE ") {
		t.Errorf("search Schrodinger: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	// Several words, as separate arguments; TeX in the query.
	out := searchJSON(t, cfg, `Schr\"odinger`, "cat")
	if len(out.Hits) != 1 || out.Hits[0].ID != "2504.18372" || out.Query != `Schr\"odinger cat` {
		t.Errorf("search Schr\\\"odinger cat: %+v", out)
	}
	checkHitsAgainstDigest(t, out.Hits, d)

	all := searchJSON(t, cfg, "quantum", "--limit", "100")
	if len(all.Hits) < 50 {
		t.Errorf("quantum: %d hits", len(all.Hits))
	}
	checkHitsAgainstDigest(t, all.Hits, d)
	sel := searchJSON(t, cfg, "quantum", "--limit", "100", "--selected")
	for _, h := range sel.Hits {
		if !h.Selected {
			t.Errorf("--selected: %+v", h)
		}
	}
	if want := countFunc(all.Hits, func(h store.SearchHit) bool { return h.Selected }); len(sel.Hits) != want {
		t.Errorf("--selected: %d hits, want %d", len(sel.Hits), want)
	}
	topic := searchJSON(t, cfg, "quantum", "--limit", "100", "--topic", "Error correction")
	for _, h := range topic.Hits {
		sc, _ := d.Papers[slices.IndexFunc(d.Papers, func(e model.Entry) bool { return e.ID == h.ID })].Score("Error correction")
		if h.Topic != "Error correction" || *h.Relevance != sc.Relevance {
			t.Errorf("--topic: %+v, digest's score %v", h, sc)
		}
	}
	if out := searchJSON(t, cfg, "quantum", "--since", "2025-04-29"); len(out.Hits) != 0 {
		t.Errorf("--since after the only day: %+v", out.Hits)
	}
	if out := searchJSON(t, cfg, "quantum", "--until", "2025-04-28", "--limit", "3"); len(out.Hits) != 3 {
		t.Errorf("--until, --limit 3: %+v", out.Hits)
	}
	if res := runCLI(t, "search", "--config", cfg, "zzyzx"); res.code != 0 || res.stdout != "No stored paper matches.\n" {
		t.Errorf("no match: exit %d %q", res.code, res.stdout)
	}
}

func TestSearchUsageErrors(t *testing.T) {
	_, cfg, _ := judgedDay(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{`"sparse attention`}, "unbalanced quote at column 1"},
		{[]string{`*`}, "a bare * at column 1"},
		{[]string{"sparse", "*"}, "a bare * at column 8"},
		{[]string{"OR", "x"}, "OR at column 1 needs a term on each side"},
		{[]string{"x", "--since", "2025-4-28"}, `since "2025-4-28" is not a date`},
		{[]string{"x", "--since", "2025-04-29", "--until", "2025-04-28"}, "since 2025-04-29 is after until 2025-04-28"},
		{[]string{"x", "--limit", "1000"}, "limit 1000: give 1 to 100"},
		{[]string{"x", "--format", "xml"}, `--format "xml"`},
		{[]string{"x", "--topic", "Cooking"}, `unknown topic "Cooking": the stored days' topics are "Entanglement", "Error correction"`},
		{nil, "requires at least 1 arg"},
	} {
		res := runCLI(t, append([]string{"search", "--config", cfg}, tc.args...)...)
		if res.code != 2 || !strings.Contains(res.stderr, tc.want) || strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 ||
			!strings.HasPrefix(res.stderr, "arxiv-digest: ") {
			t.Errorf("search %q: exit %d, stderr %q; want exit 2 and one line with %q", tc.args, res.code, res.stderr, tc.want)
		}
	}
}

// TestSearchOldStore: a store written by an older version (schema 2) is
// indexed on first open, and its days' scores are the digest's.
func TestSearchOldStore(t *testing.T) {
	dir := t.TempDir()
	copyV2Store(t, dir)
	cfg := testConfig(t, dir, "http://127.0.0.1:1", "http://127.0.0.1:1", "")
	out := searchJSON(t, cfg, "Hajdusek", "--limit", "100")
	if len(out.Hits) != 5 {
		t.Fatalf("Hajdusek in the old store: %+v", out.Hits)
	}
	// The digest rendered from the old store is the reference.
	if res := runCLI(t, "render", "--config", cfg); res.code != 0 {
		t.Fatalf("render: exit %d: %s", res.code, res.stderr)
	}
	checkHitsAgainstDigest(t, out.Hits, readDigest(t, dir, "2025-04-28"))
}

func countFunc[T any](s []T, f func(T) bool) int {
	n := 0
	for _, v := range s {
		if f(v) {
			n++
		}
	}
	return n
}
