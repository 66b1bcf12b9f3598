package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

const benchPapers, benchTopics = 2000, 5

func benchRun() (Run, []model.Paper) {
	r := testRun("2025-04-23")
	r.Topics = nil
	for i := range benchTopics {
		r.Topics = append(r.Topics, model.Topic{Name: fmt.Sprintf("topic-%d", i), Description: fmt.Sprintf("Description of topic %d.", i)})
	}
	return r, testPapers(benchPapers)
}

func benchScores(r Run, p model.Paper) map[string]model.Score {
	m := make(map[string]model.Score, len(r.Topics))
	for _, tp := range r.Topics {
		m[testKey(p, tp, r.Model, r.PromptVersion)] = model.Score{Topic: tp.Name, Relevance: 0.42, Reason: "A one-sentence reason of typical length for the score."}
	}
	return m
}

// BenchmarkSaveJudged measures commits per second: one op is one paper's
// five judgements, its status and the usage in one transaction. The
// "normal" variant shows what synchronous=NORMAL would gain.
func BenchmarkSaveJudged(b *testing.B) {
	for _, sync := range []string{"full", "normal"} {
		b.Run("synchronous="+sync, func(b *testing.B) {
			ctx := context.Background()
			s, _ := openTest(b)
			if sync == "normal" {
				s.db.SetMaxOpenConns(1)
				if _, err := s.db.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
					b.Fatal(err)
				}
			}
			r, papers := benchRun()
			if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
				b.Fatal(err)
			}
			scores := make([]map[string]model.Score, len(papers))
			for i, p := range papers {
				scores[i] = benchScores(r, p)
			}
			usage := model.Usage{Prompt: 1200, Cached: 1000, Completion: 60, Requests: 1}
			for i := 0; b.Loop(); i++ {
				p := papers[i%len(papers)]
				if err := s.SaveJudged(ctx, r.Date, p.ID, scores[i%len(papers)], true, usage); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
		})
	}
}

// BenchmarkScores measures the cache lookup of a whole day: 2,000 papers x
// 5 topics = 10,000 keys, all stored, in one call.
func BenchmarkScores(b *testing.B) {
	ctx := context.Background()
	s, _ := openTest(b)
	r, papers := benchRun()
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		b.Fatal(err)
	}
	// Fill the store in one transaction (the benchmark is of lookups).
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	var keys []string
	for _, p := range papers {
		for k, sc := range benchScores(r, p) {
			keys = append(keys, k)
			if _, err := tx.ExecContext(ctx, `INSERT INTO judgements VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				k, p.ID, sc.Topic, sc.Relevance, sc.Reason, r.Model, r.PromptVersion, "2025-04-23T04:00:00Z"); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		got, err := lookupScores(ctx, s.db, keys)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != len(keys) {
			b.Fatalf("%d scores, want %d", len(got), len(keys))
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(keys))/b.Elapsed().Seconds(), "keys/s")
}

// BenchmarkBeginRun measures beginning (or re-beginning) a 2,000-paper day
// whose judgements are all stored, which derives every paper's status.
func BenchmarkBeginRun(b *testing.B) {
	ctx := context.Background()
	s, _ := openTest(b)
	r, papers := benchRun()
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		b.Fatal(err)
	}
	for _, p := range papers {
		if err := s.SaveJudged(ctx, r.Date, p.ID, benchScores(r, p), true, model.Usage{}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRun measures reading a 2,000-paper day back: its run and every
// paper as announced, in order (what a digest is built from).
func BenchmarkRun(b *testing.B) {
	ctx := context.Background()
	s, _ := openTest(b)
	r, papers := benchRun()
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_, got, err := s.Run(ctx, r.Date)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != len(papers) {
			b.Fatalf("%d papers, want %d", len(got), len(papers))
		}
	}
}
