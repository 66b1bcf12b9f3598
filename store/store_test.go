package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

func TestOpenCreatesFolderAndSettings(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	for _, tt := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"user_version", fmt.Sprint(len(migrations))},
	} {
		t.Run(tt.pragma, func(t *testing.T) {
			var got string
			if err := s.db.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
			}
		})
	}
}

func TestOpenReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "odd?name#dir", "digest.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.BeginRun(ctx, testRun("2025-04-23"), testPapers(2), knownFor(s, testRun("2025-04-23"), testPapers(2))); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the literal path: %v", err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if _, papers, err := s.Run(ctx, "2025-04-23"); err != nil || len(papers) != 2 {
		t.Fatalf("after reopen: %d papers, %v", len(papers), err)
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	if _, err := s.db.ExecContext(ctx, "PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(ctx, path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
	}
}

func TestRunRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	start := time.Date(2025, 4, 23, 4, 0, 0, 0, time.UTC)
	fixedClock(s, start)

	papers := testPapers(3)
	papers[1].AnnounceType = model.Cross
	papers[2].AnnounceType = model.Replace
	papers[2].Version = 3
	r := testRun("2025-04-23")
	r.PID = 4242
	r.NoAnnouncements = false
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		t.Fatal(err)
	}

	got, day, err := s.Run(ctx, "2025-04-23")
	if err != nil {
		t.Fatal(err)
	}
	want := r
	want.Status = RunRunning
	want.StartedAt = start.Add(time.Second)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Run after begin:\n got %+v\nwant %+v", got, want)
	}
	if len(day) != 3 {
		t.Fatalf("%d papers, want 3", len(day))
	}
	for i, dp := range day {
		if !reflect.DeepEqual(dp.Paper, papers[i]) {
			t.Errorf("paper %d:\n got %+v\nwant %+v", i, dp.Paper, papers[i])
		}
		if dp.Status != StatusPending || dp.Error != "" {
			t.Errorf("paper %d: status %q error %q, want pending", i, dp.Status, dp.Error)
		}
	}

	u1 := model.Usage{Prompt: 1000, Cached: 200, Completion: 50, Requests: 1}
	if err := s.SaveJudged(ctx, r.Date, papers[0].ID, scoresFor(papers[0], 0.9), true, u1); err != nil {
		t.Fatal(err)
	}
	u2 := model.Usage{Prompt: 900, Completion: 0, Requests: 3}
	if err := s.SaveOutcome(ctx, r.Date, papers[1].ID, model.StatusFailed, "invalid JSON three times", u2); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveOutcome(ctx, r.Date, papers[2].ID, model.StatusSkipped, "budget reached", model.Usage{}); err != nil {
		t.Fatal(err)
	}
	u3 := model.Usage{Prompt: 7, Requests: 1}
	if err := s.AddUsage(ctx, r.Date, u3); err != nil {
		t.Fatal(err)
	}
	cost := 0.0123
	if err := s.FinishRun(ctx, r.Date, RunPartial, "1 paper failed", &cost); err != nil {
		t.Fatal(err)
	}

	got, day, err = s.Run(ctx, "2025-04-23")
	if err != nil {
		t.Fatal(err)
	}
	var usage model.Usage
	usage.Add(u1)
	usage.Add(u2)
	usage.Add(u3)
	if got.Usage != usage {
		t.Errorf("usage %+v, want %+v", got.Usage, usage)
	}
	if got.Status != RunPartial || got.Error != "1 paper failed" {
		t.Errorf("status %q error %q", got.Status, got.Error)
	}
	if got.CostUSD == nil || *got.CostUSD != cost {
		t.Errorf("cost %v, want %v", got.CostUSD, cost)
	}
	if got.FinishedAt.IsZero() || !got.FinishedAt.After(got.StartedAt) || got.FinishedAt.Location() != time.UTC {
		t.Errorf("finished at %v, started at %v", got.FinishedAt, got.StartedAt)
	}
	wantStatus := []struct {
		status model.Status
		err    string
	}{{model.StatusJudged, ""}, {model.StatusFailed, "invalid JSON three times"}, {model.StatusSkipped, "budget reached"}}
	for i, w := range wantStatus {
		if day[i].Status != w.status || day[i].Error != w.err {
			t.Errorf("paper %d: %q %q, want %q %q", i, day[i].Status, day[i].Error, w.status, w.err)
		}
	}

	// Scores round trip: the judged paper's keys, plus an unknown key.
	keys := []string{testKey(papers[1], testTopics[0], testModel, testPrompt)}
	for k := range scoresFor(papers[0], 0.9) {
		keys = append(keys, k)
	}
	scores, err := lookupScores(ctx, s.db, keys)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(scores, scoresFor(papers[0], 0.9)) {
		t.Errorf("Scores = %+v, want %+v", scores, scoresFor(papers[0], 0.9))
	}

	// The judgement rows carry the run's model and prompt version.
	var m, pv, created string
	if err := s.db.QueryRowContext(ctx, `SELECT model, prompt_version, created_at FROM judgements WHERE paper_id = ? LIMIT 1`,
		papers[0].ID).Scan(&m, &pv, &created); err != nil {
		t.Fatal(err)
	}
	if m != testModel || pv != testPrompt {
		t.Errorf("judgement model %q prompt %q", m, pv)
	}
	if _, err := time.Parse(time.RFC3339, created); err != nil || !strings.HasSuffix(created, "Z") {
		t.Errorf("created_at %q is not RFC 3339 UTC: %v", created, err)
	}
}

func TestNilCostAndEmptyLists(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	r := Run{Date: "2025-04-26", Source: "rss", Model: testModel, NoAnnouncements: true}
	if err := s.BeginRun(ctx, r, nil, knownFor(s, r, nil)); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, r.Date, RunComplete, "", nil); err != nil {
		t.Fatal(err)
	}
	got, day, err := s.Run(ctx, r.Date)
	if err != nil {
		t.Fatal(err)
	}
	if got.CostUSD != nil || !got.NoAnnouncements || got.Status != RunComplete {
		t.Errorf("got %+v", got)
	}
	if got.Categories == nil || got.Topics == nil || day == nil || len(day) != 0 {
		t.Errorf("empty lists must be empty, not nil: %#v %#v %#v", got.Categories, got.Topics, day)
	}
}

func TestBeginRunTwiceKeepsJudgedAndUsage(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	papers := testPapers(4)
	r := testRun("2025-04-23")
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		t.Fatal(err)
	}
	usage := model.Usage{Prompt: 100, Cached: 10, Completion: 5, Requests: 1}
	if err := s.SaveJudged(ctx, r.Date, papers[0].ID, scoresFor(papers[0], 0.2), true, usage); err != nil {
		t.Fatal(err)
	}
	// Paper 1 got only its first topic before the kill: not judged.
	one := map[string]model.Score{testKey(papers[1], testTopics[0], testModel, testPrompt): {Topic: testTopics[0].Name, Relevance: 0.5}}
	if err := s.SaveJudged(ctx, r.Date, papers[1].ID, one, false, usage); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveOutcome(ctx, r.Date, papers[2].ID, model.StatusFailed, "timeout", usage); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, r.Date, RunPartial, "", nil); err != nil {
		t.Fatal(err)
	}

	// The rerun sees paper 3 first and a new paper 4; paper 0 is now v2
	// with the same text.
	p0v2 := papers[0]
	p0v2.Version = 2
	p0v2.AnnounceType = model.Replace
	extra := testPapers(5)[4]
	rerun := []model.Paper{papers[3], p0v2, papers[1], papers[2], extra}
	if err := s.BeginRun(ctx, r, rerun, knownFor(s, r, rerun)); err != nil {
		t.Fatal(err)
	}
	got, day, err := s.Run(ctx, r.Date)
	if err != nil {
		t.Fatal(err)
	}
	want := model.Usage{Prompt: 300, Cached: 30, Completion: 15, Requests: 3}
	if got.Usage != want {
		t.Errorf("usage after rerun %+v, want %+v", got.Usage, want)
	}
	if got.Status != RunRunning || !got.FinishedAt.IsZero() {
		t.Errorf("rerun status %q finished %v, want running and not finished", got.Status, got.FinishedAt)
	}
	wantDay := []struct {
		id      string
		version int
		status  model.Status
	}{
		{papers[3].ID, 1, StatusPending},
		{papers[0].ID, 2, model.StatusJudged},
		{papers[1].ID, 1, StatusPending},
		{papers[2].ID, 1, StatusPending}, // failed papers are tried again
		{extra.ID, 1, StatusPending},
	}
	if len(day) != len(wantDay) {
		t.Fatalf("%d papers, want %d", len(day), len(wantDay))
	}
	for i, w := range wantDay {
		if day[i].Paper.ID != w.id || day[i].Paper.Version != w.version || day[i].Status != w.status || day[i].Error != "" {
			t.Errorf("position %d: %s v%d %q %q, want %s v%d %q", i, day[i].Paper.ID, day[i].Paper.Version,
				day[i].Status, day[i].Error, w.id, w.version, w.status)
		}
	}
	if day[1].Paper.AnnounceType != model.Replace {
		t.Errorf("announce type %q, want the day's %q", day[1].Paper.AnnounceType, model.Replace)
	}

	// A new topic: nothing is fully judged any more.
	r.Topics = append(r.Topics, model.Topic{Name: "safety", Description: "Alignment."})
	if err := s.BeginRun(ctx, r, rerun, knownFor(s, r, rerun)); err != nil {
		t.Fatal(err)
	}
	_, day, err = s.Run(ctx, r.Date)
	if err != nil {
		t.Fatal(err)
	}
	for _, dp := range day {
		if dp.Status != StatusPending {
			t.Errorf("%s: %q after adding a topic, want pending", dp.Paper.ID, dp.Status)
		}
	}
}

func TestBeginRunKeepsNewestPaperText(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	p := testPapers(1)[0]
	p.Version = 2
	p.Abstract = "Revised abstract."
	if err := s.BeginRun(ctx, testRun("2025-04-24"), []model.Paper{p}, knownFor(s, testRun("2025-04-24"), []model.Paper{p})); err != nil {
		t.Fatal(err)
	}
	old := testPapers(1)[0] // v1, older text, e.g. an older date rebuilt from the API
	if err := s.BeginRun(ctx, testRun("2025-04-20"), []model.Paper{old, old}, knownFor(s, testRun("2025-04-20"), []model.Paper{old, old})); err != nil {
		t.Fatal(err)
	}
	_, day, err := s.Run(ctx, "2025-04-20")
	if err != nil {
		t.Fatal(err)
	}
	if len(day) != 1 {
		t.Fatalf("%d papers, want the repeated id once", len(day))
	}
	if day[0].Paper.Abstract != "Revised abstract." || day[0].Paper.Version != 1 {
		t.Errorf("got v%d %q, want the newest text with the day's version 1", day[0].Paper.Version, day[0].Paper.Abstract)
	}
}

func TestRunsNewestFirst(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	for _, d := range []string{"2025-04-22", "2025-04-24", "2024-12-31", "2025-04-23"} {
		if err := s.BeginRun(ctx, testRun(d), testPapers(1), knownFor(s, testRun(d), testPapers(1))); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.Runs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var dates []string
	for _, r := range runs {
		dates = append(dates, r.Date)
	}
	want := []string{"2025-04-24", "2025-04-23", "2025-04-22", "2024-12-31"}
	if !reflect.DeepEqual(dates, want) {
		t.Errorf("Runs dates %v, want %v", dates, want)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	papers := testPapers(1)
	if err := s.BeginRun(ctx, testRun("2025-04-23"), papers, knownFor(s, testRun("2025-04-23"), papers)); err != nil {
		t.Fatal(err)
	}
	good := scoresFor(papers[0], 0.5)
	tests := []struct {
		name    string
		call    func() error
		is      error  // sentinel the error must wrap, if any
		mention string // text the message must hold
	}{
		{"Run unknown date", func() error { _, _, err := s.Run(ctx, "2025-01-01"); return err }, ErrNoRun, "2025-01-01"},
		{"FinishRun unknown date", func() error { return s.FinishRun(ctx, "2025-01-02", RunComplete, "", nil) }, ErrNoRun, "2025-01-02"},
		{"SaveJudged unknown date", func() error {
			return s.SaveJudged(ctx, "2025-01-03", papers[0].ID, good, true, model.Usage{})
		}, ErrNoRun, "2025-01-03"},
		{"SaveOutcome unknown date", func() error {
			return s.SaveOutcome(ctx, "2025-01-04", papers[0].ID, model.StatusFailed, "x", model.Usage{})
		}, ErrNoRun, "2025-01-04"},
		{"AddUsage unknown date", func() error { return s.AddUsage(ctx, "2025-01-05", model.Usage{Requests: 1}) }, ErrNoRun, "2025-01-05"},
		{"SaveJudged unknown paper", func() error {
			return s.SaveJudged(ctx, "2025-04-23", "9999.99999", good, true, model.Usage{})
		}, ErrUnknownPaper, "9999.99999"},
		{"SaveOutcome unknown paper", func() error {
			return s.SaveOutcome(ctx, "2025-04-23", "9999.99998", model.StatusFailed, "x", model.Usage{})
		}, ErrUnknownPaper, "9999.99998"},
		{"SaveOutcome judged", func() error {
			return s.SaveOutcome(ctx, "2025-04-23", papers[0].ID, model.StatusJudged, "", model.Usage{})
		}, nil, "invalid status"},
		{"FinishRun running", func() error { return s.FinishRun(ctx, "2025-04-23", RunRunning, "", nil) }, nil, "invalid status"},
		{"BeginRun bad date", func() error {
			return s.BeginRun(ctx, testRun("23/04/2025"), nil, knownFor(s, testRun("23/04/2025"), nil))
		}, nil, "23/04/2025"},
		{"BeginRun empty id", func() error {
			return s.BeginRun(ctx, testRun("2025-04-25"), []model.Paper{{}}, knownFor(s, testRun("2025-04-25"), []model.Paper{{}}))
		}, nil, "empty id"},
		{"SaveJudged bad key", func() error {
			return s.SaveJudged(ctx, "2025-04-23", papers[0].ID, map[string]model.Score{"2504.00000": {Topic: "x"}}, true, model.Usage{})
		}, nil, "invalid key"},
		{"SaveJudged relevance NaN", func() error {
			return s.SaveJudged(ctx, "2025-04-23", papers[0].ID,
				map[string]model.Score{testKey(papers[0], testTopics[0], "m", "p"): {Topic: "x", Relevance: math.NaN()}}, true, model.Usage{})
		}, nil, "relevance"},
		{"SaveJudged relevance above 1", func() error {
			return s.SaveJudged(ctx, "2025-04-23", papers[0].ID,
				map[string]model.Score{testKey(papers[0], testTopics[0], "m", "p"): {Topic: "x", Relevance: 1.5}}, true, model.Usage{})
		}, nil, "relevance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			if !strings.HasPrefix(err.Error(), "store: ") {
				t.Errorf("error %q lacks the store: prefix", err)
			}
			// The package and the date are said once each.
			if n := strings.Count(err.Error(), "store:"); n != 1 {
				t.Errorf("error %q says store: %d times", err, n)
			}
			if tt.is == ErrNoRun && strings.Count(err.Error(), tt.mention) != 1 {
				t.Errorf("error %q does not name %s exactly once", err, tt.mention)
			}
		})
	}
	// Nothing from the failed calls was saved.
	_, day, err := s.Run(ctx, "2025-04-23")
	if err != nil {
		t.Fatal(err)
	}
	if day[0].Status != StatusPending {
		t.Errorf("paper status %q after rejected saves, want pending", day[0].Status)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM judgements`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d judgements stored after rejected saves (%v)", n, err)
	}
}

func TestScoresBatches(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	papers := testPapers(700) // 1,400 keys: three IN batches
	r := testRun("2025-04-23")
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for i, p := range papers {
		sc := scoresFor(p, float64(i%10)/10)
		for k := range sc {
			keys = append(keys, k)
		}
		if i%2 == 0 { // only even papers are stored
			if err := s.SaveJudged(ctx, r.Date, p.ID, sc, true, model.Usage{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := lookupScores(ctx, s.db, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 700 {
		t.Fatalf("%d scores, want 700", len(got))
	}
	for i, p := range papers {
		for k, want := range scoresFor(p, float64(i%10)/10) {
			sc, ok := got[k]
			if ok != (i%2 == 0) || (ok && sc != want) {
				t.Fatalf("paper %d key %s: got %+v %v, want %+v stored=%v", i, k, sc, ok, want, i%2 == 0)
			}
		}
	}
	empty, err := lookupScores(ctx, s.db, nil)
	if err != nil || len(empty) != 0 {
		t.Errorf("Scores(nil) = %v, %v", empty, err)
	}
}

// TestKnownChecksItsKeys: a key function that does not give one key per
// topic is an error, not a misfiled judgement.
func TestKnownChecksItsKeys(t *testing.T) {
	s, _ := openTest(t)
	r := testRun("2025-04-23")
	_, err := s.Known(context.Background(), testPapers(1), r.Topics, func(model.Paper, []model.Topic) []string {
		return []string{"only-one"}
	})
	if len(r.Topics) == 1 || err == nil || !strings.Contains(err.Error(), "keys for") {
		t.Fatalf("Known with %d topics and one key: err = %v", len(r.Topics), err)
	}
}

// TestCommitIsAllOrNothing: writes committed together are saved together,
// and one that fails saves none of them and is named in the error.
func TestCommitIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	r, papers := testRun("2025-04-23"), testPapers(3)
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		t.Fatal(err)
	}
	judged := func(p model.Paper) Write {
		return s.Judged(r.Date, p.ID, benchScores(r, p), true, model.Usage{Requests: 1})
	}
	err := s.Commit(ctx, judged(papers[0]), s.Judged(r.Date, "9999.99999", nil, true, model.Usage{}), judged(papers[1]))
	if !errors.Is(err, ErrUnknownPaper) || !strings.Contains(err.Error(), "9999.99999") {
		t.Fatalf("commit with an unknown paper: %v", err)
	}
	if k := knownFor(s, r, papers); len(k) != 0 {
		t.Fatalf("a failed commit saved %d papers' judgements", len(k))
	}
	if err := s.Commit(ctx, judged(papers[0]), judged(papers[1])); err != nil {
		t.Fatal(err)
	}
	run, day, err := s.Run(ctx, r.Date)
	if err != nil {
		t.Fatal(err)
	}
	if k := knownFor(s, r, papers); len(k) != 2 || run.Usage.Requests != 2 {
		t.Errorf("after one commit of two: %d papers known, %d requests counted", len(k), run.Usage.Requests)
	}
	if day[0].Status != model.StatusJudged || day[2].Status == model.StatusJudged {
		t.Errorf("statuses %s, %s, %s", day[0].Status, day[1].Status, day[2].Status)
	}
	// An invalid write is refused before anything is tried.
	if err := s.Commit(ctx, judged(papers[2]), s.Answer(r.Date, papers[2].ID, "", "", "x", model.Usage{})); err == nil {
		t.Error("a write without task or key was committed")
	}
	if k := knownFor(s, r, papers); len(k) != 2 {
		t.Errorf("a refused commit saved something: %d papers known", len(k))
	}
}

// TestRunKeepsFeedOrder: a day's papers come back in the order the feed
// listed them, not in the order of their ids.
func TestRunKeepsFeedOrder(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	r, papers := testRun("2025-04-23"), testPapers(5)
	feed := []model.Paper{papers[3], papers[0], papers[4], papers[2], papers[1]}
	if err := s.BeginRun(ctx, r, feed, knownFor(s, r, feed)); err != nil {
		t.Fatal(err)
	}
	_, day, err := s.Run(ctx, r.Date)
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for i := range feed {
		want = append(want, feed[i].ID)
		if i < len(day) {
			got = append(got, day[i].Paper.ID)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("day's papers in order %v, want the feed's %v", got, want)
	}
}

// TestBeginRunRecordsFiltered: the filter's decision is in the day's list,
// with its rule, even for a paper already judged; the next BeginRun
// decides again.
func TestBeginRunRecordsFiltered(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	papers := testPapers(3)
	r := testRun("2025-04-23")
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveJudged(ctx, r.Date, papers[0].ID, scoresFor(papers[0], 0.2), true, model.Usage{}); err != nil {
		t.Fatal(err)
	}
	r.Filtered = map[string]string{papers[0].ID: `exclude "survey"`, papers[2].ID: "no include matches"}
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		t.Fatal(err)
	}
	_, day, err := s.Run(ctx, r.Date)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		status model.Status
		err    string
	}{{model.StatusFiltered, `exclude "survey"`}, {StatusPending, ""}, {model.StatusFiltered, "no include matches"}}
	for i, w := range want {
		if day[i].Status != w.status || day[i].Error != w.err {
			t.Errorf("%s: %q %q, want %q %q", day[i].Paper.ID, day[i].Status, day[i].Error, w.status, w.err)
		}
	}
	r.Filtered = nil
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		t.Fatal(err)
	}
	if _, day, err = s.Run(ctx, r.Date); err != nil {
		t.Fatal(err)
	}
	if day[0].Status != model.StatusJudged || day[2].Status != StatusPending || day[2].Error != "" {
		t.Errorf("without the filter: %+v, %+v", day[0], day[2])
	}
}
