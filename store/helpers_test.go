package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

var (
	testTopics = []model.Topic{
		{Name: "efficiency", Description: "Making transformers cheaper to train and run."},
		{Name: "evaluation", Description: "Benchmarks and evaluation methodology for LLMs."},
	}
	testModel  = "gpt-4.1-mini"
	testPrompt = "v1"
)

// openTest opens a store in a fresh folder and closes it when the test ends.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "digest.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// fixedClock makes s report times from start on, one second per call.
func fixedClock(s *Store, start time.Time) {
	n := 0
	s.now = func() time.Time {
		n++
		return start.Add(time.Duration(n) * time.Second)
	}
}

func testPapers(n int) []model.Paper {
	papers := make([]model.Paper, n)
	for i := range papers {
		papers[i] = model.Paper{
			ID:           fmt.Sprintf("2504.%05d", i),
			Version:      1,
			Title:        fmt.Sprintf("Paper %d", i),
			Abstract:     fmt.Sprintf("Abstract of paper %d about sparse attention.", i),
			Authors:      []string{"Ada Lovelace", "Kurt Gödel"},
			Categories:   []string{"cs.CL", "cs.LG"},
			AnnounceType: model.New,
		}
	}
	return papers
}

func testRun(date string) Run {
	return Run{Date: date, Source: "rss", Categories: []string{"cs.CL"}, Topics: testTopics, Model: testModel,
		PromptVersion: testPrompt, Threshold: 0.6}
}

// scoresFor builds one score per test topic, keyed as the pipeline keys them.
func scoresFor(p model.Paper, relevance float64) map[string]model.Score {
	m := map[string]model.Score{}
	for _, tp := range testTopics {
		m[Key(p, tp, testModel, testPrompt)] = model.Score{Topic: tp.Name, Relevance: relevance, Reason: "because " + tp.Name}
	}
	return m
}
