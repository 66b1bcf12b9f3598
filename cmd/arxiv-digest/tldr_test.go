package main

// Tests of the TL;DR pass: one TL;DR per selected paper, paid once, shown
// first, never failing the paper or the day, under the run's one budget.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// withTLDR turns the TL;DR pass on in a testConfig.
func withTLDR(t testing.TB, cfg string) {
	t.Helper()
	setConfig(t, cfg, "tldr:\n  enabled: false", "tldr:\n  enabled: true")
}

func TestTLDRs(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{Model: "gpt-5-mini", APIKey: testKey})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	withTLDR(t, cfg)

	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("run: exit %d\n%s", res.code, res.stderr)
	}
	d := readDigest(t, dir, "2025-04-28")
	st := llm.Stats()
	selected := 0
	for _, p := range d.Papers {
		key := "arXiv paper " + p.ID
		switch {
		case len(p.SelectedTopics) > 0:
			selected++
			if p.TLDR != fakeopenai.DefaultTLDR("Title: "+p.Title) && !strings.HasPrefix(p.TLDR, "This paper studies ") {
				t.Errorf("%s: tldr %q", p.ID, p.TLDR)
			}
			if st.TLDRs[key] != 1 {
				t.Errorf("%s: %d TL;DR answers, want 1", p.ID, st.TLDRs[key])
			}
		case p.TLDR != "" || st.TLDRs[key] != 0:
			t.Errorf("%s is not selected but has a TL;DR %q (%d answers)", p.ID, p.TLDR, st.TLDRs[key])
		}
	}
	if selected == 0 || len(st.TLDRs) != selected || st.Requests != int64(81+selected) || d.Stats.TLDRFailed != 0 {
		t.Fatalf("%d selected, %d TL;DRs, %d requests, %d TL;DRs failed", selected, len(st.TLDRs), st.Requests, d.Stats.TLDRFailed)
	}

	// Shown first in each selected paper's card, in every output. The
	// feed entry lists each topic's best papers only (output.max_per_topic),
	// so the TL;DR looked for is the best paper's.
	first, best := "", -1.0
	for _, p := range d.Papers {
		if p.TLDR == "" {
			continue
		}
		if s, _ := p.Score(p.SelectedTopics[0]); s.Relevance > best {
			first, best = p.TLDR, s.Relevance
		}
	}
	for _, name := range []string{"2025-04-28/digest.md", "2025-04-28/digest.html", "feed.xml"} {
		b, err := os.ReadFile(filepath.Join(dir, "digests", name))
		if err != nil || !strings.Contains(string(b), "TL;DR") || !strings.Contains(string(b), strings.Fields(first)[3]) {
			t.Errorf("%s does not show the TL;DRs (%v)", name, err)
		}
	}

	// Paid once: a rerun, --force, render and a preview ask nothing.
	for _, args := range [][]string{{"run"}, {"run", "--force"}, {"render"}, {"render", "--threshold", "0.3"}} {
		if res := runCLI(t, append(args, "--config", cfg)...); res.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, res.code, res.stderr)
		}
	}
	if n := llm.Stats().Requests; n != int64(81+selected) {
		t.Errorf("%d requests after reruns, want still %d", n, 81+selected)
	}
	// A preview at a lower threshold selects more papers; they have no
	// TL;DR until the next run, and that is no failure.
	p := readDigest(t, dir, "2025-04-28")
	newly := 0
	for _, e := range p.Papers {
		if len(e.SelectedTopics) > 0 && e.TLDR == "" {
			newly++
		}
	}
	if p.Stats.Selected <= selected || newly != p.Stats.Selected-selected || p.Stats.TLDRFailed != 0 {
		t.Errorf("preview at 0.3: %d selected (%d without TL;DR), %d failed", p.Stats.Selected, newly, p.Stats.TLDRFailed)
	}
}

// TestTLDRFailure: a TL;DR the model cannot write leaves its paper in the
// digest without one; the day is complete (exit 0), its stats and health
// line count it, and the next run retries only that TL;DR, once.
func TestTLDRFailure(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	var (
		mu  sync.Mutex
		bad string // the paper whose TL;DR is always far too long
	)
	llm := fakeopenai.NewT(t, fakeopenai.Config{TLDR: func(paper string) string {
		mu.Lock()
		if bad == "" {
			first, _, _ := strings.Cut(paper, "\n")
			bad = first
		}
		isBad := strings.HasPrefix(paper, bad+"\n")
		mu.Unlock()
		if isBad {
			return strings.Repeat("far too long ", 40)
		}
		return fakeopenai.DefaultTLDR(paper)
	}})
	badPaper := func() string { mu.Lock(); defer mu.Unlock(); return bad }
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	withTLDR(t, cfg)

	res := runCLI(t, "run", "--config", cfg)
	if res.code != 0 {
		t.Fatalf("a failed TL;DR failed the run: exit %d\n%s", res.code, res.stderr)
	}
	d := readDigest(t, dir, "2025-04-28")
	badID := strings.TrimPrefix(badPaper(), "arXiv paper ")
	for _, p := range d.Papers {
		if p.ID == badID && (p.Status != model.StatusJudged || len(p.SelectedTopics) == 0 || p.TLDR != "") {
			t.Errorf("the paper whose TL;DR failed: %+v", p)
		}
	}
	if d.Stats.TLDRFailed != 1 || d.Incomplete {
		t.Errorf("stats %+v, incomplete %v", d.Stats, d.Incomplete)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "digests", "2025-04-28", "digest.html"))
	if !strings.Contains(string(page), "1 selected paper has no TL;DR") {
		t.Errorf("the health line does not count the failed TL;DR")
	}

	// The next run retries only that TL;DR (two attempts: an invalid
	// answer is retried once); the one after gives up on it; --force asks
	// again.
	for i, want := range []int64{2, 0, 2} {
		before := llm.Stats().Requests
		args := []string{"run", "--config", cfg}
		if i == 2 {
			args = append(args, "--force")
		}
		if res := runCLI(t, args...); res.code != 0 {
			t.Fatalf("rerun %d: exit %d\n%s", i, res.code, res.stderr)
		}
		if n := llm.Stats().Requests - before; n != want {
			t.Errorf("rerun %d made %d requests, want %d", i, n, want)
		}
	}
	// Asked twice in each of three runs: the first, the one retry, --force.
	if n := llm.Stats().TLDRs[badPaper()]; n != 6 {
		t.Errorf("the bad TL;DR was asked for %d times, want 6", n)
	}
}

// TestBudgetCoversBothPasses: llm.max_cost_usd is one budget for a run's
// judging and TL;DRs: a budget spent by judging leaves no TL;DR asked for,
// and one that judging leaves room in stops the TL;DR pass part way, with
// the rest recorded and the run exiting 3.
func TestBudgetCoversBothPasses(t *testing.T) {
	const prices = "  price_per_million: {input: 20, cached_input: 20, output: 20}\n"
	setup := func(t *testing.T, budget string) (string, string, *fakeopenai.Server) {
		dir := t.TempDir()
		arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
		llm := fakeopenai.NewT(t, fakeopenai.Config{})
		cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
		withTLDR(t, cfg)
		setConfig(t, cfg, "  max_retries: 1\n", "  max_retries: 1\n"+prices+budget)
		return dir, cfg, llm
	}
	// What judging the day costs, from a run without a budget.
	dir, cfg, _ := setup(t, "")
	setConfig(t, cfg, "tldr:\n  enabled: true", "tldr:\n  enabled: false")
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("calibration: exit %d\n%s", res.code, res.stderr)
	}
	judging := *readDigest(t, dir, "2025-04-28").Stats.CostUSD

	t.Run("spent by judging", func(t *testing.T) {
		dir, cfg, llm := setup(t, "  max_cost_usd: 0.5\n")
		if res := runCLI(t, "run", "--config", cfg); res.code != 3 {
			t.Fatalf("exit %d, want 3\n%s", res.code, res.stderr)
		}
		if d := readDigest(t, dir, "2025-04-28"); d.Stats.Skipped == 0 || len(llm.Stats().TLDRs) != 0 {
			t.Errorf("%d skipped, %d TL;DRs asked for after the budget stopped judging", d.Stats.Skipped, len(llm.Stats().TLDRs))
		}
	})
	t.Run("room for some TL;DRs", func(t *testing.T) {
		budget := judging + 0.4 // a few TL;DRs at their first, cautious estimates
		dir, cfg, llm := setup(t, "  max_cost_usd: "+strconv.FormatFloat(budget, 'f', 6, 64)+"\n")
		res := runCLI(t, "run", "--config", cfg)
		if res.code != 3 || !strings.Contains(res.stderr, "budget") {
			t.Fatalf("exit %d, want 3 for the budget\n%s", res.code, res.stderr)
		}
		d := readDigest(t, dir, "2025-04-28")
		written := len(llm.Stats().TLDRs)
		if d.Stats.Judged != 81 || written == 0 || written >= d.Stats.Selected || d.Stats.TLDRFailed != d.Stats.Selected-written {
			t.Errorf("judged %d; %d of %d selected got a TL;DR, %d recorded as failed", d.Stats.Judged, written, d.Stats.Selected, d.Stats.TLDRFailed)
		}
		if c := *d.Stats.CostUSD; c > budget {
			t.Errorf("cost $%.4f passed the budget $%.4f", c, budget)
		}
	})
}
