package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

func TestTierOf(t *testing.T) {
	for _, c := range []struct {
		relevance float64
		tier      int
	}{{0, 0}, {0.1, 0}, {0.39, 0}, {0.4, 1}, {0.5, 1}, {0.69, 1}, {0.7, 2}, {0.9, 2}, {1, 2}} {
		if got := tierOf(c.relevance); got != c.tier {
			t.Errorf("tierOf(%g) = %d, want %d", c.relevance, got, c.tier)
		}
		// The tier's bound holds for every relevance in it.
		if tr := searchTiers[tierOf(c.relevance)]; c.relevance < tr.min || c.relevance > tr.max {
			t.Errorf("%g outside its tier %+v", c.relevance, tr)
		}
	}
	for _, rowid := range []int64{0, 1, 123456, 1<<tierShift - 1} {
		for tier := range searchTiers {
			key, err := ftsKey(tier, rowid)
			if err != nil || paperRowid(key) != rowid || key>>tierShift != int64(tier) {
				t.Errorf("ftsKey(%d, %d) = %d, %v", tier, rowid, key, err)
			}
		}
	}
	if _, err := ftsKey(2, 1<<tierShift); err == nil {
		t.Error("a rowid past the key's range was taken")
	}
}

// checkTiers checks the rule searchTop relies on: every paper is indexed
// once, under its own tier, which is that of its best stored score (or
// above it, when exact is false: a day removed leaves the tier).
func checkTiers(t *testing.T, s *Store, exact bool) {
	t.Helper()
	ctx := context.Background()
	type paper struct {
		tier int
		best sql.NullFloat64
		keys []int64
	}
	papers := map[int64]*paper{}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		err := eachRow(ctx, tx, `SELECT p.rowid, p.search_tier, (SELECT max(relevance) FROM day_scores WHERE paper_id = p.id) FROM papers p`, nil,
			func(rows *sql.Rows) error {
				var (
					rowid int64
					p     paper
				)
				if err := rows.Scan(&rowid, &p.tier, &p.best); err != nil {
					return err
				}
				papers[rowid] = &p
				return nil
			})
		if err != nil {
			return err
		}
		return eachRow(ctx, tx, `SELECT rowid FROM papers_fts`, nil, func(rows *sql.Rows) error {
			var key int64
			if err := rows.Scan(&key); err != nil {
				return err
			}
			p := papers[paperRowid(key)]
			if p == nil {
				t.Errorf("index key %d: no paper of row %d", key, paperRowid(key))
				return nil
			}
			p.keys = append(p.keys, key)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for rowid, p := range papers {
		want, _ := ftsKey(p.tier, rowid)
		if len(p.keys) != 1 || p.keys[0] != want {
			t.Errorf("paper row %d (tier %d) indexed under %v, want [%d]", rowid, p.tier, p.keys, want)
		}
		best := 0
		if p.best.Valid {
			best = tierOf(p.best.Float64)
		}
		if p.tier < best || exact && p.tier != best {
			t.Errorf("paper row %d in tier %d, its best score %v is of tier %d", rowid, p.tier, p.best, best)
		}
	}
}

// tierOfPaper is the tier a paper is stored in.
func tierOfPaper(t *testing.T, s *Store, id string) int {
	t.Helper()
	var tier int
	if err := s.db.QueryRow(`SELECT search_tier FROM papers WHERE id = ?`, id).Scan(&tier); err != nil {
		t.Fatal(err)
	}
	return tier
}

// TestTiersFollowScores: a paper moves up to the tier of its best score as
// scores are recorded, by BeginRun (scores known) or Judged, never down;
// it stays indexed once, and a new version's text replaces the old one's
// in its tier.
func TestTiersFollowScores(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	papers := testPapers(4)
	r := testRun("2025-04-23")
	if err := s.BeginRun(ctx, r, papers, nil); err != nil {
		t.Fatal(err)
	}
	checkTiers(t, s, true)
	for i, rel := range []float64{0.9, 0.5, 0.1} {
		if err := s.SaveJudged(ctx, r.Date, papers[i].ID, scoresFor(papers[i], rel), true, model.Usage{}); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []int{2, 1, 0, 0} {
		if got := tierOfPaper(t, s, papers[i].ID); got != want {
			t.Errorf("paper %d in tier %d, want %d", i, got, want)
		}
	}
	checkTiers(t, s, true)

	// The next day: paper 1 scores lower (it stays), paper 3 is known
	// already at 0.75 (BeginRun moves it), paper 0 is a new version.
	r2 := testRun("2025-04-24")
	v2 := papers[0]
	v2.Version, v2.Title, v2.AnnounceType = 2, "Dense retrieval", model.Replace
	if err := s.BeginRun(ctx, r2, []model.Paper{v2, papers[1], papers[3]}, Known{
		papers[1].ID: {testTopics[0].Name: {Topic: testTopics[0].Name, Relevance: 0.2}},
		papers[3].ID: {testTopics[1].Name: {Topic: testTopics[1].Name, Relevance: 0.75}},
	}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{2, 1, 0, 2} {
		if got := tierOfPaper(t, s, papers[i].ID); got != want {
			t.Errorf("day 2: paper %d in tier %d, want %d", i, got, want)
		}
	}
	checkTiers(t, s, true)
	for q, want := range map[string][]string{"dense": {papers[0].ID}, `title:"paper 0"`: nil} { // v1's title, replaced
		hits, err := s.Search(ctx, SearchQuery{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if got := hitIDs(hits); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	agree := func() {
		t.Helper()
		for _, q := range []SearchQuery{{Text: `"sparse attention"`}, {Text: "sparse", Limit: 1}, {Text: "abstract", Limit: 2, Selected: true}} {
			got, err := s.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.exhaustiveSearch(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 || !reflect.DeepEqual(got, want) {
				t.Errorf("%+v: %v, want %v", q, hitIDs(got), hitIDs(want))
			}
		}
	}
	agree()

	// A rerun of the first day without scores leaves the tiers: still an
	// upper bound of every score stored.
	if err := s.BeginRun(ctx, r, papers, nil); err != nil {
		t.Fatal(err)
	}
	if got := tierOfPaper(t, s, papers[2].ID); got != 0 {
		t.Errorf("paper 2 in tier %d after the rerun", got)
	}
	if got := tierOfPaper(t, s, papers[1].ID); got != 1 {
		t.Errorf("paper 1 in tier %d after the rerun", got)
	}
	checkTiers(t, s, false)
	agree()
}

// TestMigrateTiersAVersion6Store: a store written before tiers (every
// paper indexed under its rowid) is sorted into tiers once on open, with
// progress, and searches find what they found before.
func TestMigrateTiersAVersion6Store(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v6.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	progressFrom(t, 40)
	papers := testPapers(110)
	r := testRun("2025-04-23")
	// One paper in 11 stays in tier 0; the others move to tiers 1 and 2.
	relevance := func(i int) float64 {
		if i%11 == 0 {
			return 0.2
		}
		return float64(4+i%7) / 10
	}
	if err := s.BeginRun(ctx, r, papers, nil); err != nil {
		t.Fatal(err)
	}
	var writes []Write
	for i, p := range papers {
		writes = append(writes, s.Judged(r.Date, p.ID, scoresFor(p, relevance(i)), true, model.Usage{}))
	}
	if err := s.Commit(ctx, writes...); err != nil {
		t.Fatal(err)
	}
	queries := []SearchQuery{{Text: "sparse"}, {Text: "sparse", Limit: 100}, {Text: `"paper 57"`}, {Text: "attention", Selected: true}}
	want := searchAll(t, s, queries)
	s.Close()

	// What version 6 wrote: down to version 3, then up to 6 alone.
	downgradeToVersion3(t, path)
	all := migrations
	migrations = all[:6]
	s, err = Open(ctx, path)
	migrations = all
	if err != nil {
		t.Fatal(err)
	}
	var moved int
	if err := s.db.QueryRow(`SELECT count(*) FROM papers_fts WHERE rowid >= ?`, int64(1)<<tierShift).Scan(&moved); err != nil || moved != 0 {
		t.Fatalf("version 6: %d papers past the rowids, %v", moved, err)
	}
	s.Close()

	p := &progressRecorder{}
	s, err = Open(ctx, path, WithProgress(p))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wantMoved := 0
	for i := range papers {
		if tierOf(relevance(i)) > 0 {
			wantMoved++
		}
	}
	if p.total != wantMoved || p.done != wantMoved || !p.finished || p.what == "" {
		t.Errorf("progress %+v, want %d papers moved", p, wantMoved)
	}
	checkTiers(t, s, true)
	for i, got := range searchAll(t, s, queries) {
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%+v after the migration:\n%v\nwant\n%v", queries[i], hitIDs(got), hitIDs(want[i]))
		}
	}
}

// TestMatchBound: no match's text match is better than matchBound's, and
// a paper made of one word comes within 1% of it.
func TestMatchBound(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	papers := testPapers(30)
	papers[7].Title = strings.Repeat("sparse ", 100)
	if err := s.BeginRun(ctx, testRun("2025-04-23"), papers, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query string
		near  bool // papers[7] comes near the bound
	}{
		{"sparse", true}, {"title:sparse", true}, {"sparse OR zzz", true}, {"sparse OR attention", false},
		{`"sparse attention"`, false}, {"sparse attention", false}, {"abstract", false}, {"author:godel", false}, {"spar*", true},
	} {
		f, _, err := SearchQuery{Text: c.query}.filter()
		if err != nil {
			t.Fatal(err)
		}
		err = s.withTx(ctx, func(tx *sql.Tx) error {
			bound, err := matchBound(ctx, tx, f.terms)
			if err != nil {
				return err
			}
			best := 0.0
			n := 0
			err = eachRow(ctx, tx, `SELECT rowid, bm25(papers_fts, 10.0, 1.0, 3.0) FROM papers_fts WHERE papers_fts MATCH ?`, []any{f.match},
				func(rows *sql.Rows) error {
					var (
						key int64
						m   float64
					)
					if err := rows.Scan(&key, &m); err != nil {
						return err
					}
					n++
					if m < bound {
						t.Errorf("%s: paper row %d matches by %g, better than the bound %g", c.query, paperRowid(key), m, bound)
					}
					best = min(best, m)
					return nil
				})
			if err != nil {
				return err
			}
			if n == 0 {
				t.Errorf("%s: no match", c.query)
			}
			if c.near && best > 0.99*bound {
				t.Errorf("%s: best match %g, not within 1%% of the bound %g", c.query, best, bound)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
	}
}
