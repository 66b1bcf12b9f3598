package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// tiedStore is a store made for ties: 120 papers of the same shape (every
// one about sparse attention, a third of them twice over), on five days
// of 60 papers each, overlapping, so that many papers share a text match,
// a relevance, or both, and appear on several days; scores go by steps of
// a quarter, and some papers are not judged on some days.
func tiedStore(t testing.TB) *Store {
	t.Helper()
	s, _ := openTest(t)
	ctx := context.Background()
	papers := testPapers(120)
	for i := range papers {
		if i%3 == 0 {
			papers[i].Abstract += " Sparse attention again."
		}
	}
	for d := range 5 {
		r := testRun(fmt.Sprintf("2025-03-%02d", 3+d))
		day := papers[d*15 : d*15+60]
		known := Known{}
		for i, p := range day {
			if (i+d)%6 == 0 {
				continue
			}
			known[p.ID] = map[string]model.Score{}
			for k, tp := range r.Topics {
				known[p.ID][tp.Name] = model.Score{Topic: tp.Name, Relevance: float64((i*7+d*3+k)%5) / 4}
			}
		}
		if err := s.BeginRun(ctx, r, day, known); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishRun(ctx, r.Date, RunComplete, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestSearchEarlyStopAgrees: the search that stops once no further match
// can reach the top returns exactly what the exhaustive search returns,
// for many queries, filters and limits, whatever the batch size (one
// match at first stops soonest) and however many matches are read first.
func TestSearchEarlyStopAgrees(t *testing.T) {
	fixture, _ := fixtureStore(t)
	stores := []struct {
		name    string
		s       *Store
		queries []string
		filters []SearchQuery
		limits  []int
	}{
		{name: "fixture", s: fixture,
			queries: []string{"quantum", "state", "entanglement", "the", "error", "qubit*", "a OR the",
				"author:li", `"quantum state"`, "s*"},
			filters: []SearchQuery{{}, {Since: "2025-04-29"}, {Topic: "Entanglement"}, {Topic: "Entanglement", Selected: true},
				{Selected: true}, {Topic: "Error correction", Until: "2025-04-28"}, {Topic: "Cooking"}},
			limits: []int{0, 1, 3}},
		{name: "ties", s: tiedStore(t),
			queries: []string{`"sparse attention"`, "paper", "abstract", "Lovelace", "Godel", "again", "1*", "sparse OR again"},
			filters: []SearchQuery{{}, {Since: "2025-03-05"}, {Until: "2025-03-05"}, {Since: "2025-03-04", Until: "2025-03-06"},
				{Topic: "efficiency"}, {Topic: "evaluation", Selected: true}, {Selected: true}, {Topic: "efficiency", Until: "2025-03-04"}},
			limits: []int{0, 1, 3, MaxSearchLimit}},
	}
	ctx := context.Background()
	for _, st := range stores {
		checkTiers(t, st.s, true)
		compared, stopped := 0, 0
		skipped := map[bool]int{} // searches that skipped a tier, and that read them all
		for _, text := range st.queries {
			for _, f := range st.filters {
				for _, limit := range st.limits {
					q := f
					q.Text, q.Limit = text, limit
					want, err := st.s.exhaustiveSearch(ctx, q)
					if err != nil {
						t.Fatalf("%s: exhaustive %+v: %v", st.name, q, err)
					}
					for _, steps := range []searchSteps{{batch: 1, window: 2}, defaultSearchSteps} {
						got, stats, err := st.s.search(ctx, q, steps)
						if err != nil {
							t.Fatalf("%s: %+v: %v", st.name, q, err)
						}
						if !reflect.DeepEqual(got, want) {
							t.Errorf("%s: %+v, %+v:\n got %v\nwant %v", st.name, q, steps, hitIDs(got), hitIDs(want))
						}
						compared++
						skipped[stats.tiers < len(searchTiers)]++
					}
					if limit > 0 && len(want) == limit {
						stopped++
					}
				}
			}
		}
		// The comparisons must include searches with more hits than
		// asked for, where stopping early can go wrong.
		if stopped < 50 {
			t.Errorf("%s: only %d searches had more hits than their limit", st.name, stopped)
		}
		// And searches that read only the top tiers, as well as some that
		// read them all.
		if skipped[true] < 50 || skipped[false] < 50 {
			t.Errorf("%s: %d searches skipped a tier, %d read them all", st.name, skipped[true], skipped[false])
		}
		t.Logf("%s: %d searches compared, %d with a full limit, %d skipped a tier", st.name, compared, stopped, skipped[true])
	}
}
