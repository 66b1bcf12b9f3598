package tex

import (
	"encoding/xml"
	"os"
	"strings"
	"testing"
)

// fixtureTexts are the titles and abstracts of the real arXiv documents in
// testdata/arxiv: one day of quant-ph (RSS) and a page of cs.AI (Atom).
func fixtureTexts(tb testing.TB) []string {
	tb.Helper()
	var texts []string
	var rss struct {
		Items []struct {
			Title       string `xml:"title"`
			Description string `xml:"description"`
		} `xml:"channel>item"`
	}
	readXML(tb, "../testdata/arxiv/rss2_quant-ph_2025-04-28.xml", &rss)
	for _, it := range rss.Items {
		_, abstract, _ := strings.Cut(it.Description, "Abstract: ")
		texts = append(texts, it.Title, abstract)
	}
	var atom struct {
		Entries []struct {
			Title   string `xml:"title"`
			Summary string `xml:"summary"`
		} `xml:"entry"`
	}
	readXML(tb, "../testdata/arxiv/api_atom_2025fmt_all-cs.AI_2026-02-06.xml", &atom)
	for _, e := range atom.Entries {
		texts = append(texts, e.Title, e.Summary)
	}
	if len(texts) < 200 {
		tb.Fatalf("read %d titles and abstracts from testdata/arxiv, want 202", len(texts))
	}
	return texts
}

func readXML(tb testing.TB, path string, v any) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := xml.Unmarshal(b, v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

// TestFixtures runs every real title and abstract through HTML and Plain:
// the HTML is safe, and every math span of that real day is in the subset.
func TestFixtures(t *testing.T) {
	spans, failed := 0, []string{}
	for _, s := range fixtureTexts(t) {
		out := HTML(s)
		checkHTML(t, s, out)
		for _, p := range splitProse(s) {
			if !p.math {
				continue
			}
			spans++
			if _, ok := parseMath(p.inner); !ok {
				failed = append(failed, p.text)
			}
		}
		if plain := Plain(s); strings.Contains(plain, "$") && !strings.Contains(s, `\$`) {
			t.Errorf("Plain kept a $: %q", plain)
		}
	}
	t.Logf("%d math spans", spans)
	if spans < 100 {
		t.Errorf("found %d math spans in testdata/arxiv, want over 100", spans)
	}
	for _, f := range failed {
		t.Errorf("not converted: %s", f)
	}
}
