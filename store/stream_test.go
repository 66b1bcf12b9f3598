package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// TestStreamsKeepTheirOwnDays is two configs sharing one database: the same
// date holds a different paper list in each stream, neither overwrites the
// other, and a judgement paid in one is known in the other.
func TestStreamsKeepTheirOwnDays(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := Open(ctx, path, WithStream("../digests-a"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path, WithStream("../digests-b"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	papers := testPapers(6)
	ra, rb := testRun("2025-04-23"), testRun("2025-04-23")
	rb.Categories = []string{"cs.LG"}
	if err := a.BeginRun(ctx, ra, papers[:4], knownFor(a, ra, papers[:4])); err != nil {
		t.Fatal(err)
	}
	if err := b.BeginRun(ctx, rb, papers[2:], knownFor(b, rb, papers[2:])); err != nil {
		t.Fatal(err)
	}
	// A judgement paid by a, of a paper both lists hold.
	if err := a.SaveJudged(ctx, "2025-04-23", papers[2].ID, scoresFor(papers[2], 0.9), true, model.Usage{Requests: 1}); err != nil {
		t.Fatal(err)
	}
	// b cannot record an outcome for a paper that only a's list holds.
	if err := b.SaveOutcome(ctx, "2025-04-23", papers[0].ID, model.StatusFailed, "x", model.Usage{}); !errors.Is(err, ErrUnknownPaper) {
		t.Errorf("b.SaveOutcome of a's paper: %v, want ErrUnknownPaper", err)
	}

	runA, listA, err := a.Run(ctx, "2025-04-23")
	if err != nil {
		t.Fatal(err)
	}
	runB, listB, err := b.Run(ctx, "2025-04-23")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(listA); !reflect.DeepEqual(got, ids2(papers[:4])) {
		t.Errorf("a's list = %v", got)
	}
	if got := ids(listB); !reflect.DeepEqual(got, ids2(papers[2:])) {
		t.Errorf("b's list = %v", got)
	}
	if runA.Categories[0] != "cs.CL" || runB.Categories[0] != "cs.LG" {
		t.Errorf("categories a=%v b=%v", runA.Categories, runB.Categories)
	}
	if runA.Usage.Requests != 1 || runB.Usage.Requests != 0 {
		t.Errorf("usage a=%+v b=%+v: each stream counts its own", runA.Usage, runB.Usage)
	}
	// The judgement is shared: b finds it by key, and b's next BeginRun
	// marks the paper judged.
	keys := []string{testKey(papers[2], testTopics[0], testModel, testPrompt)}
	if got, err := lookupScores(ctx, b.db, keys); err != nil || len(got) != 1 {
		t.Errorf("b.Scores = %v, %v; want the judgement a paid for", got, err)
	}
	if err := b.BeginRun(ctx, rb, papers[2:], knownFor(b, rb, papers[2:])); err != nil {
		t.Fatal(err)
	}
	_, listB, _ = b.Run(ctx, "2025-04-23")
	if listB[0].Status != model.StatusJudged {
		t.Errorf("b's %s = %q, want judged from a's judgement", listB[0].Paper.ID, listB[0].Status)
	}
	if runs, _ := a.Runs(ctx); len(runs) != 1 {
		t.Errorf("a.Runs = %d runs, want 1", len(runs))
	}
}

// TestRunRecordsFetch round-trips what version 2 added to a run.
func TestRunRecordsFetch(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	r := testRun("2025-04-23")
	r.AnnounceTypes = []model.AnnounceType{model.New, model.Cross}
	r.Announced = map[model.AnnounceType]int{model.New: 3, model.Cross: 1, model.Replace: 7}
	r.FeedURL, r.ETag, r.LastModified = "https://rss.example/rss/cs.CL", `"v1"`, "Mon, 28 Apr 2025 04:00:00 GMT"
	if err := s.BeginRun(ctx, r, testPapers(4), knownFor(s, r, testPapers(4))); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Run(ctx, r.Date)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.AnnounceTypes, r.AnnounceTypes) || !reflect.DeepEqual(got.Announced, r.Announced) ||
		got.FeedURL != r.FeedURL || got.ETag != r.ETag || got.LastModified != r.LastModified {
		t.Errorf("run = %+v", got)
	}

	// LastFetch finds the newest run of that URL, and nothing for another.
	older := testRun("2025-04-22")
	older.FeedURL, older.ETag = r.FeedURL, `"v0"`
	if err := s.BeginRun(ctx, older, testPapers(1), knownFor(s, older, testPapers(1))); err != nil {
		t.Fatal(err)
	}
	api := testRun("2025-04-24")
	api.Source = "api"
	if err := s.BeginRun(ctx, api, testPapers(1), knownFor(s, api, testPapers(1))); err != nil {
		t.Fatal(err)
	}
	last, ok, err := s.LastFetch(ctx, r.FeedURL)
	if err != nil || !ok || last.Date != "2025-04-23" || last.ETag != `"v1"` {
		t.Errorf("LastFetch = %s %q %v %v, want 2025-04-23 \"v1\"", last.Date, last.ETag, ok, err)
	}
	if _, ok, err := s.LastFetch(ctx, "https://rss.example/rss/cs.LG"); ok || err != nil {
		t.Errorf("LastFetch of another URL: ok=%v err=%v", ok, err)
	}
	if _, ok, err := s.LastFetch(ctx, ""); ok || err != nil {
		t.Errorf("LastFetch of the API's empty URL: ok=%v err=%v", ok, err)
	}
}

// TestMigrateFromVersion1 opens a database written with the first schema
// (runs keyed by date alone): its runs, paper lists and judgements survive,
// and the first stream to open it claims its days.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	writeVersion1(t, path)

	s, err := Open(ctx, path, WithStream("."))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run, list, err := s.Run(ctx, "2025-04-23")
	if err != nil {
		t.Fatalf("the version-1 run after migrating: %v", err)
	}
	if run.Status != RunComplete || run.Usage.Requests != 3 || run.AnnounceTypes != nil || run.Announced != nil {
		t.Errorf("migrated run = %+v", run)
	}
	if len(list) != 2 || list[0].Status != model.StatusJudged || list[1].Status != model.StatusFailed || list[1].Error != "boom" {
		t.Errorf("migrated list = %+v", list)
	}
	p := testPapers(1)[0]
	if got, err := lookupScores(ctx, s.db, []string{testKey(p, testTopics[0], testModel, testPrompt)}); err != nil || len(got) != 1 {
		t.Errorf("migrated judgement: %v %v", got, err)
	}
	// Paper lists follow their run to the stream: nothing is left in "".
	var orphans int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM run_papers WHERE stream = ''`).Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("%d paper-list rows left in the old stream (%v)", orphans, err)
	}
	// Another stream opening it later sees none of those days.
	other, err := Open(ctx, path, WithStream("../elsewhere"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, _, err := other.Run(ctx, "2025-04-23"); !errors.Is(err, ErrNoRun) {
		t.Errorf("another stream's Run: %v, want ErrNoRun", err)
	}
}

// writeVersion1 writes a database as arxiv-digest wrote it before schema
// version 2: the first migration (never edited) and rows in its shape.
func writeVersion1(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := testPapers(2)
	stmts := []string{
		migrations[0].sql,
		`PRAGMA user_version = 1`,
		fmt.Sprintf(`INSERT INTO papers VALUES ('%s', 1, '%s', '%s', '[]', '["cs.CL"]', '2025-04-23T00:00:00Z')`, p[0].ID, p[0].Title, p[0].Abstract),
		fmt.Sprintf(`INSERT INTO papers VALUES ('%s', 1, '%s', '%s', '[]', '["cs.CL"]', '2025-04-23T00:00:00Z')`, p[1].ID, p[1].Title, p[1].Abstract),
		`INSERT INTO runs VALUES ('2025-04-23', 'rss', '["cs.CL"]', '[{"name":"efficiency","description":"x"}]', 'gpt-4.1-mini', 'v1', 0.6,
			'complete', '', 0, 100, 0, 20, 3, 0.001, '2025-04-23T00:00:00Z', '2025-04-23T00:01:00Z', 42)`,
		fmt.Sprintf(`INSERT INTO run_papers VALUES ('2025-04-23', '%s', 0, 'new', 1, 'judged', '')`, p[0].ID),
		fmt.Sprintf(`INSERT INTO run_papers VALUES ('2025-04-23', '%s', 1, 'cross', 1, 'failed', 'boom')`, p[1].ID),
		fmt.Sprintf(`INSERT INTO judgements VALUES ('%s', '%s', 'efficiency', 0.9, 'r', '%s', '%s', '2025-04-23T00:00:00Z')`,
			testKey(p[0], testTopics[0], testModel, testPrompt), p[0].ID, testModel, testPrompt),
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
}

func ids(list []DayPaper) []string {
	var out []string
	for _, dp := range list {
		out = append(out, dp.Paper.ID)
	}
	return out
}

func ids2(papers []model.Paper) []string {
	var out []string
	for _, p := range papers {
		out = append(out, p.ID)
	}
	return out
}

// TestFailRun: a fetch that failed is a failed run of the day it expected,
// unless that day has a run already; ForgetFailedRuns forgets them.
func TestFailRun(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	done := testRun("2025-04-23")
	if err := s.BeginRun(ctx, done, testPapers(2), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, done.Date, RunComplete, "", nil); err != nil {
		t.Fatal(err)
	}
	fail := func(date, msg string) {
		r := testRun(date)
		r.Error = msg
		if err := s.FailRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	fail("2025-04-23", "HTTP 503") // a day already done keeps its run
	fail("2025-04-24", "HTTP 503") // the day expected next
	fail("2025-04-24", "HTTP 502") // and again: the newer failure
	runs, err := s.Runs(ctx)
	if err != nil || len(runs) != 2 {
		t.Fatalf("Runs = %v, %v", runs, err)
	}
	if r := runs[0]; r.Date != "2025-04-24" || r.Status != RunFailed || r.Error != "HTTP 502" {
		t.Errorf("newest run = %+v", r)
	}
	if r := runs[1]; r.Status != RunComplete || r.Error != "" {
		t.Errorf("the day done = %+v", r)
	}
	if _, list, err := s.Run(ctx, "2025-04-24"); err != nil || len(list) != 0 {
		t.Errorf("a failed run's papers: %v, %v", list, err)
	}
	if err := s.ForgetFailedRuns(ctx); err != nil {
		t.Fatal(err)
	}
	if runs, _ := s.Runs(ctx); len(runs) != 1 || runs[0].Date != "2025-04-23" {
		t.Errorf("after ForgetFailedRuns: %v", runs)
	}
}
