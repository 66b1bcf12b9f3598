package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

const filterConfig = `filter:
  include: [entanglement, entangled]
  exclude: ["error correction"]
  authors: [Jakob Gunther]
`

// TestRunWithFilter: the quant-ph day with a filter. fetch shows what each
// rule keeps and drops without a model request; run judges only what the
// filter lets through, exits 0, and digest.json and the page list the
// rest as filtered and the followed author's paper first.
func TestRunWithFilter(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, filterConfig)

	res := runCLI(t, "fetch", "--config", cfg)
	if res.code != 0 {
		t.Fatalf("fetch: exit %d: %s", res.code, res.stderr)
	}
	for _, want := range []string{`include "entanglement" keeps `, `exclude "error correction" drops `,
		"no include phrase matches: ", "followed authors (Jakob Gunther): 1 papers", "FILTER",
		"follow: Jakob Günther", `drop: exclude "error correction"`, "drop: no include matches", `keep: include "entanglement"`} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("fetch output lacks %q:\n%s", want, res.stdout)
		}
	}
	res = runCLI(t, "fetch", "--config", cfg, "--format", "json")
	var listed struct {
		Papers []struct {
			model.Paper
			Filter     string `json:"filter"`
			FilterRule string `json:"filter_rule"`
		} `json:"papers"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &listed); err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]int{}
	for _, p := range listed.Papers {
		verdicts[p.Filter]++
	}
	if len(listed.Papers) != 81 || verdicts["drop"] == 0 || verdicts["keep"] == 0 || verdicts["follow"] != 1 || verdicts["judge"] != 0 {
		t.Errorf("fetch --format json: %d papers, verdicts %v", len(listed.Papers), verdicts)
	}
	if llm.Stats().Requests != 0 {
		t.Fatal("fetch called the model")
	}

	res = runCLI(t, "run", "--config", cfg)
	if res.code != 0 {
		t.Fatalf("run: exit %d, want 0 (filtered papers are no failure)\n%s", res.code, res.stderr)
	}
	d := readDigest(t, dir, "2025-04-28")
	if d.Stats.Filtered != verdicts["drop"] || d.Stats.Judged != 81-verdicts["drop"] || d.Stats.Followed != 1 || d.Incomplete {
		t.Errorf("stats %+v, want %d filtered", d.Stats, verdicts["drop"])
	}
	if got := llm.Stats().Requests; got != int64(d.Stats.Judged) {
		t.Errorf("%d requests for %d judged papers", got, d.Stats.Judged)
	}
	if !strings.Contains(res.stdout, "filter: ") {
		t.Errorf("the summary does not mention the filter:\n%s", res.stdout)
	}
	for _, p := range d.Papers {
		if p.Status == model.StatusFiltered && p.Error == "" {
			t.Errorf("%s filtered without its rule", p.ID)
		}
	}
}
