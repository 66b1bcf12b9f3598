package store

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// downgradeToVersion3 makes the store at path what the version before
// search wrote: schema version 3, without the search index and the days'
// scores (migrations 1 to 3 are never edited, so the rest is the same).
func downgradeToVersion3(t *testing.T, path string) {
	t.Helper()
	// What version 3 has: the first three migrations on an empty file.
	ref, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "v3.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	for _, m := range migrations[:3] {
		if _, err := ref.Exec(m.sql); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Everything the later migrations made goes: their tables (an FTS5
	// table's shadow tables go with it) and the columns they added.
	has := func(db *sql.DB, q string, args ...any) map[string]bool {
		rows, err := db.Query(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			out[name] = true
		}
		return out
	}
	const tables = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	old := has(ref, tables)
	// Sorted, an FTS5 table comes before its shadow tables (papers_fts,
	// papers_fts_config, ...), which go with it.
	for _, name := range slices.Sorted(maps.Keys(has(db, tables))) {
		if !old[name] {
			if _, err := db.Exec(`DROP TABLE IF EXISTS "` + name + `"`); err != nil {
				t.Fatalf("drop %s: %v", name, err)
			}
		}
	}
	for name := range old {
		const cols = `SELECT name FROM pragma_table_info(?)`
		oldCols := has(ref, cols, name)
		for col := range has(db, cols, name) {
			if !oldCols[col] {
				if _, err := db.Exec(`ALTER TABLE "` + name + `" DROP COLUMN "` + col + `"`); err != nil {
					t.Fatalf("drop %s.%s: %v", name, col, err)
				}
			}
		}
	}
	if _, err := db.Exec(`PRAGMA user_version = 3`); err != nil {
		t.Fatal(err)
	}
}

// searchAll is the hits of each query, in order.
func searchAll(t *testing.T, s *Store, queries []SearchQuery) [][]SearchHit {
	t.Helper()
	var all [][]SearchHit
	for _, q := range queries {
		hits, err := s.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		all = append(all, hits)
	}
	return all
}

// progressFrom has migrations report progress from n papers on for the
// test, not from progressMin's 5,000: the tests run with -race, where a
// store that large takes minutes.
func progressFrom(t *testing.T, n int) {
	min := progressMin
	progressMin = n
	t.Cleanup(func() { progressMin = min })
}

// progressRecorder records what a Progress is told.
type progressRecorder struct {
	mu       sync.Mutex
	what     string
	total    int
	done     int
	finished bool
}

func (p *progressRecorder) Start(what string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.what, p.total = what, total
}

func (p *progressRecorder) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
}

func (p *progressRecorder) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished = true
}

// TestMigrateIndexesAnOldStore: a store written before search is indexed
// once on open, its days' scores recorded from its judgements, and a
// search finds in it what it finds in a store that always had the index.
func TestMigrateIndexesAnOldStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	papers := fixturePapers(t)
	judgeDay(t, s, "2025-04-28", papers)
	judgeDay(t, s, "2025-04-29", papers[40:50])
	queries := []SearchQuery{{Text: "Schrodinger"}, {Text: "Hajdusek", Selected: true}, {Text: `"error correction"`, Limit: 100},
		{Text: "entanglement", Topic: "Error correction", Limit: 100}, {Text: "quantum", Since: "2025-04-29", Limit: 100}}
	want := searchAll(t, s, queries)
	wantPaper, err := s.Paper(ctx, papers[44].ID)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	downgradeToVersion3(t, path)
	p := &progressRecorder{}
	s, err = Open(ctx, path, WithProgress(p))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p.what != "" {
		t.Errorf("progress reported for %d papers: %+v", len(papers), p)
	}
	for i, got := range searchAll(t, s, queries) {
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%+v after the migration:\n%+v\nwant\n%+v", queries[i], got, want[i])
		}
	}
	gotPaper, err := s.Paper(ctx, papers[44].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotPaper.Days, wantPaper.Days) {
		t.Errorf("days after the migration: %+v, want %+v", gotPaper.Days, wantPaper.Days)
	}
	var version int
	if err := s.db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil || version != len(migrations) {
		t.Errorf("user_version %d, %v", version, err)
	}
}

// TestMigrateShowsProgress: a large old store is indexed with progress.
func TestMigrateShowsProgress(t *testing.T) {
	ctx := context.Background()
	progressFrom(t, 40)
	s, path := openTest(t)
	papers := testPapers(50)
	if err := s.BeginRun(ctx, testRun("2025-04-23"), papers, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	downgradeToVersion3(t, path)
	p := &progressRecorder{}
	s, err := Open(ctx, path, WithProgress(p))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p.total != len(papers) || p.done != len(papers) || !p.finished || p.what == "" {
		t.Errorf("progress %+v for %d papers", p, len(papers))
	}
	hits, err := s.Search(ctx, SearchQuery{Text: `"paper 47"`})
	if err != nil || len(hits) != 1 || hits[0].ID != "2504.00047" {
		t.Errorf("search after the migration: %+v, %v", hits, err)
	}
}

// TestMigrateFailsWhole: a migration that fails half-way (a paper whose
// authors are not JSON) leaves the file as it was, and says which row.
func TestMigrateFailsWhole(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	if err := s.BeginRun(ctx, testRun("2025-04-23"), testPapers(3), nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	downgradeToVersion3(t, path)
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE papers SET authors = 'not json' WHERE id = '2504.00002'`); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "to version 4") || !strings.Contains(err.Error(), "authors of row") {
		t.Errorf("open: %v", err)
	}
	var version, tables int
	db.QueryRow(`PRAGMA user_version`).Scan(&version)
	db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('papers_fts', 'day_scores')`).Scan(&tables)
	db.Close()
	if version != 3 || tables != 0 {
		t.Errorf("after a failed migration: user_version %d, %d new tables", version, tables)
	}
}

// TestIndexFollowsPapers: a new version's text replaces the old one's in
// the index; an older version announced later changes nothing.
func TestIndexFollowsPapers(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	p := testPapers(1)[0]
	p.Title = "Sparse attention for long documents"
	if err := s.BeginRun(ctx, testRun("2025-04-23"), []model.Paper{p}, nil); err != nil {
		t.Fatal(err)
	}
	v2 := p
	v2.Version, v2.Title, v2.AnnounceType = 2, "Dense retrieval for long documents", model.Replace
	if err := s.BeginRun(ctx, testRun("2025-04-24"), []model.Paper{v2}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.BeginRun(ctx, testRun("2025-04-25"), []model.Paper{p}, nil); err != nil { // v1 again
		t.Fatal(err)
	}
	for q, want := range map[string]int{"title:sparse": 0, "dense": 1, `"long documents"`: 1} {
		hits, err := s.Search(ctx, SearchQuery{Text: q})
		if err != nil || len(hits) != want {
			t.Errorf("%s: %+v, %v; want %d hits", q, hits, err, want)
		}
	}
	hits, _ := s.Search(ctx, SearchQuery{Text: "dense"})
	if len(hits) == 1 && (hits[0].Date != "2025-04-25" || hits[0].Version != 1 || hits[0].Title != v2.Title) {
		t.Errorf("hit %+v", hits[0])
	}
}

// TestDayScoresFollowRuns: a rerun with other topics starts the day's
// scores again from what is known for them.
func TestDayScoresFollowRuns(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	papers := testPapers(2)
	r := testRun("2025-04-23")
	if err := s.BeginRun(ctx, r, papers, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveJudged(ctx, r.Date, papers[0].ID, scoresFor(papers[0], 0.9), true, model.Usage{}); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Paper(ctx, papers[0].ID)
	if err != nil || len(rec.Days) != 1 || len(rec.Days[0].Scores) != 2 || rec.Days[0].Scores[0].Relevance != 0.9 {
		t.Fatalf("paper %+v, %v", rec, err)
	}
	// Rerun with one topic renamed: its old score is not the day's.
	r.Topics = []model.Topic{testTopics[0], {Name: "other", Description: "x"}}
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		t.Fatal(err)
	}
	rec, _ = s.Paper(ctx, papers[0].ID)
	if len(rec.Days[0].Scores) != 1 || rec.Days[0].Scores[0].Topic != "efficiency" {
		t.Errorf("scores after the rerun: %+v", rec.Days[0].Scores)
	}
	if len(rec.Judgements) != 2 {
		t.Errorf("judgements %+v", rec.Judgements)
	}
	hits, err := s.Search(ctx, SearchQuery{Text: "sparse", Topic: "evaluation"})
	if err != nil || len(hits) != 0 {
		t.Errorf("search by the dropped topic: %+v, %v", hits, err)
	}
}

func TestDaysAndPaper(t *testing.T) {
	s, papers := fixtureStore(t)
	ctx := context.Background()
	days, err := s.Days(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 2 || days[0].Date != "2025-04-29" || days[1].Date != "2025-04-28" {
		t.Fatalf("days %+v", days)
	}
	// Count the selected papers the slow way.
	selected := 0
	for _, p := range papers {
		for _, tp := range fixtureTopics {
			if fixtureRelevance(p, tp) >= testRun("").Threshold {
				selected++
				break
			}
		}
	}
	d := days[1]
	if d.Papers != 81 || d.Judged != 81 || d.Failed != 0 || d.Skipped != 0 || d.Selected != selected || d.Status != RunComplete {
		t.Errorf("day %+v, want %d selected", d, selected)
	}
	if one, err := s.Days(ctx, 1); err != nil || len(one) != 1 || one[0].Date != "2025-04-29" || one[0].Papers != 10 {
		t.Errorf("Days(1): %+v, %v", one, err)
	}

	rec, err := s.Paper(ctx, "2504.18129")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Paper.Title != papers[44].Title || len(rec.Days) != 2 || rec.Days[0].Date != "2025-04-29" ||
		len(rec.Days[0].Scores) != 2 || rec.Days[0].Scores[0].Topic != "Entanglement" || len(rec.Judgements) != 2 {
		t.Errorf("paper %+v", rec)
	}
	if _, err := s.Paper(ctx, "2504.99999"); !errors.Is(err, ErrNoPaper) {
		t.Errorf("unknown paper: %v", err)
	}
}

// TestOpenReadOnly: the reader sees what a writer commits while it is
// open, never writes, and refuses a store an older version wrote.
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	papers := testPapers(3)
	if err := s.BeginRun(ctx, testRun("2025-04-23"), papers[:1], nil); err != nil {
		t.Fatal(err)
	}
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	// A read transaction open in the reader does not stop the writer.
	tx, err := ro.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM papers`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("count %d, %v", n, err)
	}
	if err := s.BeginRun(ctx, testRun("2025-04-24"), papers, nil); err != nil {
		t.Fatalf("write beside a reader: %v", err)
	}
	tx.Rollback()
	hits, err := ro.Search(ctx, SearchQuery{Text: "sparse", Limit: 10})
	if err != nil || len(hits) != 3 {
		t.Errorf("reader after the write: %+v, %v", hits, err)
	}
	if _, err := ro.db.Exec(`DELETE FROM papers`); err == nil {
		t.Error("the reader wrote")
	}
	if err := ro.FinishRun(ctx, "2025-04-24", RunComplete, "", nil); err == nil {
		t.Error("the reader finished a run")
	}

	// Alone, with no writer open (so no -wal or -shm file next to it).
	ro.Close()
	s.Close()
	ro, err = OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("alone: %v", err)
	}
	if hits, err := ro.Search(ctx, SearchQuery{Text: "sparse", Limit: 10}); err != nil || len(hits) != 3 {
		t.Errorf("alone: %+v, %v", hits, err)
	}

	old := filepath.Join(t.TempDir(), "old.db")
	o, err := Open(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	o.Close()
	downgradeToVersion3(t, old)
	if _, err := OpenReadOnly(ctx, old); !errors.Is(err, ErrSchemaTooOld) {
		t.Errorf("old store: %v", err)
	}
	if _, err := OpenReadOnly(ctx, filepath.Join(t.TempDir(), "none.db")); err == nil {
		t.Error("a missing file opened")
	}
}
