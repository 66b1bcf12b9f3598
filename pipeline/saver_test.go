package pipeline

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// saverStore is a store on disk with a run of three papers on 2025-04-23.
func saverStore(t *testing.T) (*store.Store, []model.Paper) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "digest.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	papers := []model.Paper{
		{ID: "2504.00001", Version: 1, Title: "A", Abstract: "a", AnnounceType: model.New},
		{ID: "2504.00002", Version: 1, Title: "B", Abstract: "b", AnnounceType: model.New},
		{ID: "2504.00003", Version: 1, Title: "C", Abstract: "c", AnnounceType: model.New},
	}
	run := store.Run{Date: "2025-04-23", Source: "rss", Topics: []model.Topic{{Name: "t"}}, Model: "m", PromptVersion: "1", Status: store.RunRunning}
	if err := st.BeginRun(ctx, run, papers, store.Known{}); err != nil {
		t.Fatal(err)
	}
	return st, papers
}

// TestSaverKeepsTheGoodWrites: a write that cannot be saved, committed in
// one batch with others, fails alone: the others are saved, the error is
// reported once, and close returns it.
func TestSaverKeepsTheGoodWrites(t *testing.T) {
	st, papers := saverStore(t)
	gate := make(chan struct{})
	var reported []error
	sv := newSaver(context.Background(), st, 4, func() error { <-gate; return nil }, func(err error) { reported = append(reported, err) })
	outcome := func(id string) store.Write {
		return st.Outcome("2025-04-23", id, model.StatusFailed, "429", model.Usage{Requests: 1})
	}
	sv.add(outcome(papers[0].ID))
	sv.add(outcome("9999.99999")) // not in the day's list
	sv.add(outcome(papers[1].ID))
	sv.add(outcome(papers[2].ID))
	close(gate) // all four wait for the first commit: one batch
	err := sv.close()
	if !errors.Is(err, store.ErrUnknownPaper) || len(reported) != 1 || reported[0] != err {
		t.Fatalf("close = %v, reported %v", err, reported)
	}
	run, day, err := st.Run(context.Background(), "2025-04-23")
	if err != nil {
		t.Fatal(err)
	}
	for _, dp := range day {
		if dp.Status != model.StatusFailed {
			t.Errorf("%s: status %q, want its outcome saved", dp.Paper.ID, dp.Status)
		}
	}
	if run.Usage.Requests != 3 {
		t.Errorf("%d requests counted, want the three saved", run.Usage.Requests)
	}
}

// TestSaverWaitsForTheDay: nothing is committed before ready returns, and
// when it fails nothing is committed at all.
func TestSaverWaitsForTheDay(t *testing.T) {
	st, papers := saverStore(t)
	var reported []error
	sv := newSaver(context.Background(), st, 2, func() error { return errors.New("disk full") }, func(err error) { reported = append(reported, err) })
	sv.add(st.Outcome("2025-04-23", papers[0].ID, model.StatusFailed, "429", model.Usage{Requests: 1}))
	sv.add(st.Outcome("2025-04-23", papers[1].ID, model.StatusFailed, "429", model.Usage{Requests: 1}))
	if err := sv.close(); err == nil || !strings.Contains(err.Error(), "disk full") || len(reported) != 1 {
		t.Fatalf("close = %v, reported %v", err, reported)
	}
	_, day, err := st.Run(context.Background(), "2025-04-23")
	if err != nil {
		t.Fatal(err)
	}
	for _, dp := range day {
		if dp.Status != "" {
			t.Errorf("%s saved (%q) though the day's list was never recorded", dp.Paper.ID, dp.Status)
		}
	}
}
