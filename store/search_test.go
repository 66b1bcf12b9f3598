package store

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/fetch"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// fixtureTopics are the topics the search tests judge the real day against.
var fixtureTopics = []model.Topic{
	{Name: "Entanglement", Description: "Entanglement: its generation, witnesses and uses."},
	{Name: "Error correction", Description: "Quantum error correction and fault tolerance."},
}

// fixturePapers reads the real quant-ph day (81 papers) through the fetch
// package, as a run reads it: titles and abstracts keep their TeX, author
// names come decoded.
func fixturePapers(t testing.TB) []model.Paper {
	t.Helper()
	body, err := os.ReadFile("../testdata/arxiv/rss2_quant-ph_2025-04-28.xml")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	defer srv.Close()
	c := fetch.New(srv.Client(), fetch.Options{RSSURL: srv.URL + "/rss/", UserAgent: "arxiv-digest-test"})
	day, err := c.Latest(context.Background(), []string{"quant-ph"})
	if err != nil {
		t.Fatal(err)
	}
	if len(day.Papers) != 81 {
		t.Fatalf("fixture: %d papers, want 81", len(day.Papers))
	}
	return day.Papers
}

// fixtureRelevance is the score the tests give a paper against a topic:
// high when the topic's first word is in its abstract.
func fixtureRelevance(p model.Paper, t model.Topic) float64 {
	word := strings.ToLower(strings.Fields(t.Name)[0])
	if strings.Contains(strings.ToLower(p.Abstract), word[:len(word)-2]) {
		return 0.8
	}
	return 0.1
}

// judgeDay records a run of date over papers and judges every paper as
// fixtureRelevance says, through Judged, as the pipeline does.
func judgeDay(t testing.TB, s *Store, date string, papers []model.Paper) {
	t.Helper()
	ctx := context.Background()
	r := testRun(date)
	r.Topics = fixtureTopics
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		t.Fatal(err)
	}
	var writes []Write
	for _, p := range papers {
		scores := map[string]model.Score{}
		for _, tp := range r.Topics {
			scores[testKey(p, tp, r.Model, r.PromptVersion)] = model.Score{Topic: tp.Name, Relevance: fixtureRelevance(p, tp), Reason: "r"}
		}
		writes = append(writes, s.Judged(date, p.ID, scores, true, model.Usage{}))
	}
	if err := s.Commit(ctx, writes...); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, date, RunComplete, "", nil); err != nil {
		t.Fatal(err)
	}
}

// fixtureStore is a store holding the real day (2025-04-28) and, on the
// next day, ten of its papers announced again (2025-04-29).
func fixtureStore(t testing.TB) (*Store, []model.Paper) {
	t.Helper()
	s, _ := openTest(t)
	papers := fixturePapers(t)
	judgeDay(t, s, "2025-04-28", papers)
	judgeDay(t, s, "2025-04-29", papers[40:50])
	return s, papers
}

func count(n int) *int { return &n }

func hitIDs(hits []SearchHit) []string {
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func TestSearch(t *testing.T) {
	s, _ := fixtureStore(t)
	ctx := context.Background()
	tests := []struct {
		name string
		q    SearchQuery
		// want are ids that must be found; first, when set, the top hit;
		// not, ids that must not be found; n, when set, the exact count.
		want  []string
		first string
		not   []string
		n     *int
		date  string // when set, every hit's day
	}{
		{name: "TeX accent in the title, found without the accent",
			q: SearchQuery{Text: "Schrodinger"}, want: []string{"2504.18372", "2504.18477"}, n: count(2)},
		{name: "with the accent", q: SearchQuery{Text: "Schrödinger"}, want: []string{"2504.18372", "2504.18477"}, n: count(2)},
		{name: "TeX in the query", q: SearchQuery{Text: `Schr\"odinger`}, want: []string{"2504.18372", "2504.18477"}, n: count(2)},
		{name: "upper case", q: SearchQuery{Text: "SCHRODINGER CAT"}, first: "2504.18372", n: count(1)},
		{name: "author's accent (G\\\"unther)", q: SearchQuery{Text: "Gunther"}, want: []string{"2504.17881"}, n: count(1)},
		{name: "author's háček", q: SearchQuery{Text: "Hajdusek"},
			want: []string{"2504.18121", "2504.18141", "2504.18298", "2504.18334", "2504.18156"}},
		{name: "author field", q: SearchQuery{Text: "author:hajdusek"}, want: []string{"2504.18121"}},
		{name: "author field keeps to authors", q: SearchQuery{Text: "author:entanglement"}, n: count(0)},
		{name: "phrase", q: SearchQuery{Text: `"error correction"`}, want: []string{"2504.07941", "2504.18074"}},
		{name: "phrase in the title first", q: SearchQuery{Text: `"quantum error correction"`}, first: "2504.07941"},
		{name: "words in any order are not a phrase", q: SearchQuery{Text: `"correction error"`}, n: count(0)},
		{name: "prefix", q: SearchQuery{Text: "transform*"}, want: []string{"2504.18149", "2504.18187", "2504.14349"}},
		{name: "prefix of a phrase", q: SearchQuery{Text: `"cat state"*`}, want: []string{"2504.18372"}},
		{name: "hyphenated word", q: SearchQuery{Text: "Fisher-Yates"}, first: "2504.17965", n: count(1)},
		{name: "OR", q: SearchQuery{Text: "Gutzwiller OR Lyapunov"}, want: []string{"2504.18149", "2504.14086"}, n: count(2)},
		{name: "nothing", q: SearchQuery{Text: "zzyzx"}, n: count(0)},
		{name: "since keeps the later day", q: SearchQuery{Text: "quantum", Since: "2025-04-29", Limit: 100},
			want: []string{"2504.18129", "2504.18342"}, not: []string{"2504.18149"}, date: "2025-04-29"},
		{name: "until keeps the first day", q: SearchQuery{Text: "Gutzwiller", Until: "2025-04-28"}, want: []string{"2504.18149"}},
		{name: "outside the days", q: SearchQuery{Text: "Gutzwiller", Since: "2025-05-01"}, n: count(0)},
		{name: "selected only", q: SearchQuery{Text: "Hajdusek", Selected: true},
			want: []string{"2504.18121", "2504.18141"}, not: []string{"2504.18334"}},
		{name: "selected for a topic", q: SearchQuery{Text: `"error correction"`, Topic: "Error correction", Selected: true},
			want: []string{"2504.07941"}},
		{name: "a topic no day has", q: SearchQuery{Text: "quantum", Topic: "Cooking"}, n: count(0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := s.Search(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			ids := hitIDs(hits)
			for _, id := range tc.want {
				if !slices.Contains(ids, id) {
					t.Errorf("%s not found: %v", id, ids)
				}
			}
			for _, id := range tc.not {
				if slices.Contains(ids, id) {
					t.Errorf("%s found: %v", id, ids)
				}
			}
			if tc.first != "" && (len(ids) == 0 || ids[0] != tc.first) {
				t.Errorf("top hit %v, want %s", ids, tc.first)
			}
			if tc.n != nil && len(ids) != *tc.n {
				t.Errorf("%d hits, want %d: %v", len(ids), *tc.n, ids)
			}
			if slices.Contains(ids, "") || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
				t.Errorf("a paper found twice: %v", ids)
			}
			for _, h := range hits {
				if tc.date != "" && h.Date != tc.date {
					t.Errorf("%s on %s, want %s", h.ID, h.Date, tc.date)
				}
				if tc.q.Selected && !h.Selected {
					t.Errorf("%s not selected, but --selected", h.ID)
				}
				if tc.q.Topic != "" && h.Topic != tc.q.Topic {
					t.Errorf("%s: topic %q, want %q", h.ID, h.Topic, tc.q.Topic)
				}
			}
		})
	}
}

// TestSearchHit checks what a hit says: the newest day, the best topic and
// its score, whether that day selected it.
func TestSearchHit(t *testing.T) {
	s, papers := fixtureStore(t)
	ctx := context.Background()
	// 2504.18129 (Entanglement Harvesting) is on both days.
	p := papers[44]
	if p.ID != "2504.18129" {
		t.Fatalf("fixture order changed: papers[44] is %s", p.ID)
	}
	hits, err := s.Search(ctx, SearchQuery{Text: "harvesting"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 {
		t.Fatalf("hits %v", hitIDs(hits))
	}
	h := hits[0]
	if h.Date != "2025-04-29" || h.Topic != "Entanglement" || h.Relevance == nil || *h.Relevance != 0.8 || !h.Selected ||
		h.Title != p.Title || !slices.Equal(h.Authors, p.Authors) || h.AbsURL != "https://arxiv.org/abs/2504.18129" {
		t.Errorf("hit %+v", h)
	}
	// Until the first day: that day's row.
	hits, err = s.Search(ctx, SearchQuery{Text: "harvesting", Until: "2025-04-28"})
	if err != nil || len(hits) != 1 || hits[0].Date != "2025-04-28" {
		t.Errorf("until 2025-04-28: %+v, %v", hits, err)
	}
	// A topic it scored low on: that score, not selected.
	hits, err = s.Search(ctx, SearchQuery{Text: "harvesting", Topic: "Error correction"})
	if err != nil || len(hits) != 1 || *hits[0].Relevance != 0.1 || hits[0].Selected || hits[0].Topic != "Error correction" {
		t.Errorf("topic Error correction: %+v, %v", hits, err)
	}
}

// TestSearchRanking: the paper's relevance lifts it among equal matches,
// and a title match outranks an abstract's.
func TestSearchRanking(t *testing.T) {
	s, papers := fixtureStore(t)
	ctx := context.Background()
	q := SearchQuery{Text: "entanglement", Until: "2025-04-28", Limit: 100}
	before, err := s.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	ids := hitIDs(before)
	if len(ids) < 10 {
		t.Fatalf("%d hits", len(ids))
	}
	// Of two neighbours at the same relevance r, the lower one, made the
	// most relevant paper of its day, moves above the other when its match
	// times two beats the other's times 1+r.
	k := -1
	for j := 1; j < len(before); j++ {
		a, b := before[j-1], before[j]
		if r := *a.Relevance; r < 1 && *b.Relevance == r && b.Match*2 > a.Match*(1+r) {
			k = j
			break
		}
	}
	if k < 0 {
		t.Fatalf("no two neighbours to test with: %+v", before)
	}
	lifted, above := before[k], before[k-1]
	i := slices.IndexFunc(papers, func(p model.Paper) bool { return p.ID == lifted.ID })
	scores := map[string]model.Score{}
	for _, tp := range fixtureTopics {
		scores[testKey(papers[i], tp, testModel, testPrompt)] = model.Score{Topic: tp.Name, Relevance: 1, Reason: "r"}
	}
	if err := s.SaveJudged(ctx, "2025-04-28", lifted.ID, scores, true, model.Usage{}); err != nil {
		t.Fatal(err)
	}
	after, err := s.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := slices.Index(hitIDs(after), lifted.ID), slices.Index(hitIDs(after), above.ID); a > b {
		t.Errorf("%s at %d, below %s at %d, after its relevance went to 1", lifted.ID, a, above.ID, b)
	}
	for _, h := range after {
		if h.Rank < h.Match || h.Rank != h.Match*(1+*h.Relevance) {
			t.Errorf("%s: rank %v, match %v, relevance %v", h.ID, h.Rank, h.Match, *h.Relevance)
		}
	}
	for j := 1; j < len(after); j++ {
		if after[j].Rank > after[j-1].Rank {
			t.Errorf("%s (rank %v) after %s (rank %v)", after[j].ID, after[j].Rank, after[j-1].ID, after[j-1].Rank)
		}
	}
	// Titles weigh most: every paper with Entanglement in its title comes
	// before those without it, at equal relevance.
	titled := func(h SearchHit) bool { return strings.Contains(strings.ToLower(h.Title), "entanglement") }
	seenUntitled := false
	for _, h := range before {
		if !titled(h) {
			seenUntitled = true
		} else if seenUntitled && *h.Relevance >= 0.8 {
			t.Errorf("%s (%q) ranked below a paper without the word in its title", h.ID, h.Title)
		}
	}
}

func TestSearchBadQuery(t *testing.T) {
	s, _ := fixtureStore(t)
	for _, q := range []string{`"sparse attention`, `*`, `sparse *`, `OR attention`, `sparse OR`, `a OR OR b`, `***`, `""`, `  `, `sp*rse`, `title:`, `a"b`} {
		t.Run(q, func(t *testing.T) {
			_, err := s.Search(context.Background(), SearchQuery{Text: q})
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("error %v, want ErrBadQuery", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error on several lines: %q", err)
			}
		})
	}
	for _, q := range []SearchQuery{{Text: "x", Limit: 101}, {Text: "x", Limit: -1}, {Text: "x", Since: "2025-4-1"}} {
		if _, err := s.Search(context.Background(), q); err == nil || errors.Is(err, ErrBadQuery) {
			t.Errorf("%+v: error %v", q, err)
		}
	}
}

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`sparse attention`, `"sparse" AND "attention"`},
		{`"sparse attention"`, `"sparse attention"`},
		{`transform*`, `"transform"*`},
		{`"sparse atten"*`, `"sparse atten"*`},
		{`GPT-4 OR llama`, `("GPT-4" OR "llama")`},
		{`a OR b c`, `("a" OR "b") AND "c"`},
		{`title:"sparse attention" author:Müller`, `title:"sparse attention" AND authors:"Müller"`},
		{`arXiv:2504.18372`, `"arXiv:2504.18372"`},
		{`Schr\"odinger - cat`, `"Schrödinger" AND "cat"`},
		{`say "it""s"`, `"say" AND "it" AND "s"`},
	} {
		got, err := ParseQuery(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseQuery(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
