package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
		m[testKey(p, tp, testModel, testPrompt)] = model.Score{Topic: tp.Name, Relevance: relevance, Reason: "because " + tp.Name}
	}
	return m
}

// testKey is the cache key these tests store judgements under. The store
// does not make keys (the program's is classify.RelevanceKey); any 64-hex
// string that changes with the paper's text, the topic, the model and the
// prompt version behaves the same here.
func testKey(p model.Paper, t model.Topic, llmModel, promptVersion string) string {
	h := sha256.New()
	for _, f := range []string{p.ID, model.NormalizeSpace(p.Title), model.NormalizeSpace(p.Abstract), t.Name, t.Description, llmModel, promptVersion} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// knownFor is what the store knows of papers against r's topics, keyed as
// testKey keys them; nil when it cannot tell (the test then sees every
// paper pending).
func knownFor(s *Store, r Run, papers []model.Paper) Known {
	k, err := s.Known(context.Background(), papers, r.Topics, func(p model.Paper, topics []model.Topic) []string {
		keys := make([]string, len(topics))
		for i, t := range topics {
			keys[i] = testKey(p, t, r.Model, r.PromptVersion)
		}
		return keys
	})
	if err != nil {
		return nil
	}
	return k
}
