package serve

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/lock"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/render"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// The days the test folder holds, oldest first.
var days = []string{"2025-04-25", "2025-04-28"}

// day is a small real day: two topics, a paper selected for one, one not
// selected, one the model could not judge.
func day(date string) model.Digest {
	d := model.Digest{
		Date:       date,
		Categories: []string{"quant-ph"},
		Topics: []model.Topic{
			{Name: "Error correction", Description: "Codes, decoders and thresholds."},
			{Name: "Sensing", Description: "Quantum metrology."},
		},
		Model: "gpt-5-mini", Threshold: 0.7, Source: "rss",
		GeneratedAt: date + "T00:45:00Z",
	}
	papers := []model.Paper{
		{ID: "2504.16424", Version: 1, AnnounceType: model.New, Title: "Fault-tolerant codes of " + date,
			Abstract: "We construct codes.", Authors: []string{"Rémy Dupont", "Zoë Müller"}, Categories: []string{"quant-ph"}},
		{ID: "2504.17005", Version: 2, AnnounceType: model.Replace, Title: "Superconducting resonators",
			Abstract: "Not about any topic.", Authors: []string{"Dana Scully"}, Categories: []string{"quant-ph"}},
		{ID: "2504.17003", Version: 1, AnnounceType: model.Cross, Title: "A paper the model could not judge",
			Abstract: "Something.", Authors: []string{"Bo Li"}, Categories: []string{"cs.ET", "quant-ph"}},
	}
	outcomes := map[string]model.Outcome{
		"2504.16424": {Status: model.StatusJudged, Scores: []model.Score{
			{Topic: "Error correction", Relevance: 0.92, Reason: "A new code family."},
			{Topic: "Sensing", Relevance: 0.1, Reason: "Not sensing."}}},
		"2504.17005": {Status: model.StatusJudged, Scores: []model.Score{
			{Topic: "Error correction", Relevance: 0.1, Reason: "Hardware."},
			{Topic: "Sensing", Relevance: 0.2, Reason: "Hardware."}}},
		"2504.17003": {Status: model.StatusFailed, Error: "openai: 500 Internal Server Error"},
	}
	d = model.Build(d, papers, outcomes)
	for i := range d.Papers {
		if d.Papers[i].ID == "2504.16424" {
			d.Papers[i].TLDR = "Codes whose threshold rises from 0.5% to 1%."
		}
	}
	return d
}

// outputDir writes what a run leaves in output.dir: each day's files, the
// index and the feed (by render, as a run writes them), the store's SQLite
// database with its -wal and -shm files (open, as while the daemon runs)
// and the lock file (held). It also leaves a dotfile in the folder and a
// secret file beside it, which must never be served.
func outputDir(t testing.TB) (dir string) {
	t.Helper()
	parent := t.TempDir()
	dir = filepath.Join(parent, "digests")
	for _, date := range days {
		if _, err := render.Write(dir, day(date), render.HistoryOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(dir, "arxiv-digest.db"), store.WithStream("."))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	l, err := lock.TryAcquire(filepath.Join(dir, "arxiv-digest.db.lock"), lock.Holder{PID: os.Getpid(), Since: time.Now(), Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Release() })
	for _, name := range []string{"arxiv-digest.db", "arxiv-digest.db-wal", "arxiv-digest.db-shm", "arxiv-digest.db.lock",
		render.IndexFile, render.FeedFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("the test folder lacks what a run leaves: %v", err)
		}
	}
	for path, content := range map[string]string{
		filepath.Join(dir, ".env"):             "SECRET-DOTFILE",
		filepath.Join(dir, days[0], ".notes"):  "SECRET-DOTFILE",
		filepath.Join(parent, "secret.txt"):    "SECRET-OUTSIDE",
		filepath.Join(parent, "digest.json"):   "SECRET-OUTSIDE",
		filepath.Join(parent, "2025-01-01.md"): "SECRET-OUTSIDE",
	} {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// newHandler serves dir and closes the handler after the test.
func newHandler(t testing.TB, dir string) *Handler {
	t.Helper()
	h, err := New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}
