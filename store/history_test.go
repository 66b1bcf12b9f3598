package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

func TestOpenReadOnlyAndHistory(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	papers := testPapers(4)
	r := testRun("2025-04-23")
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		t.Fatal(err)
	}
	u := model.Usage{Prompt: 700, Completion: 300, Requests: 1}
	for i, rel := range []float64{0.9, 0.1, 0.6} { // the run's threshold is 0.6
		if err := s.SaveJudged(ctx, r.Date, papers[i].ID, scoresFor(papers[i], rel), true, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ro.ModelUsage(ctx, testModel)
	if err != nil || got != (model.Usage{Prompt: 2100, Completion: 900, Requests: 3}) {
		t.Errorf("usage %+v, %v", got, err)
	}
	if u, err := ro.ModelUsage(ctx, "other-model"); err != nil || u != (model.Usage{}) {
		t.Errorf("usage of a model never used: %+v, %v", u, err)
	}
	rate, n, err := ro.SelectionRate(ctx, testModel, 0.6)
	if err != nil || n != 3 || rate != 2.0/3 {
		t.Errorf("selection rate %v of %d papers, %v", rate, n, err)
	}
	if _, _, err := ro.Run(ctx, r.Date); err != nil {
		t.Errorf("read a run: %v", err)
	}
	if err := ro.FinishRun(ctx, r.Date, RunComplete, "", nil); err == nil {
		t.Error("a read-only store wrote")
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Error("the database file changed")
	}

	missing := filepath.Join(t.TempDir(), "none.db")
	if _, err := OpenReadOnly(ctx, missing); !IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Error("OpenReadOnly created the file")
	}
}
