package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// The search benchmark's store: 100 days of 2,000 papers, built once per
// process (it takes a minute or two) in a folder TestMain removes.
const searchBenchDays, searchBenchPerDay = 100, 2000

var (
	searchBenchOnce sync.Once
	searchBenchDir  string
	searchBenchPath string
	searchBenchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if searchBenchDir != "" {
		os.RemoveAll(searchBenchDir)
	}
	os.Exit(code)
}

// searchBenchStore builds (once) and returns the path of the big store.
// Its papers are arXiv-shaped: titles of 10 words and abstracts of 180,
// drawn with a Zipf law from the words of the real quant-ph day, so that
// common words are common and rare ones rare; 5 authors each, from a pool
// of 5,000 names, some accented; 1% of the papers are about "sparse
// attention". Each day is recorded through BeginRun, as a run records it,
// with three topics' scores known (so the days' scores are written as the
// pipeline writes them).
func searchBenchStore(b *testing.B) string {
	searchBenchOnce.Do(func() {
		searchBenchDir, searchBenchErr = os.MkdirTemp("", "arxiv-digest-search-bench-")
		if searchBenchErr != nil {
			return
		}
		searchBenchPath = filepath.Join(searchBenchDir, "store.db")
		start := time.Now()
		searchBenchErr = buildSearchBenchStore(searchBenchPath, searchBenchDays)
		b.Logf("built %d days x %d papers in %s", searchBenchDays, searchBenchPerDay, time.Since(start).Round(time.Second))
	})
	if searchBenchErr != nil {
		b.Fatal(searchBenchErr)
	}
	return searchBenchPath
}

func buildSearchBenchStore(path string, days int) error {
	ctx := context.Background()
	body, err := os.ReadFile("../testdata/arxiv/rss2_quant-ph_2025-04-28.xml")
	if err != nil {
		return err
	}
	words := regexp.MustCompile(`[A-Za-z]{3,}`).FindAllString(string(body), -1)
	vocab := []string{}
	seen := map[string]bool{}
	for _, w := range words {
		if w = strings.ToLower(w); !seen[w] {
			seen[w] = true
			vocab = append(vocab, w)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.1, 2, uint64(len(vocab)-1))
	text := func(n int) string {
		var sb strings.Builder
		for i := range n {
			if i > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(vocab[zipf.Uint64()])
		}
		return sb.String()
	}
	first := []string{"Ana", "Jörg", "Przemysław", "Li", "Sam", "Zoë", "José", "Ingrid", "Kenji", "Amara"}
	last := make([]string, 500)
	for i := range last {
		last[i] = strings.ToUpper(vocab[i%len(vocab)][:1]) + vocab[(i*7)%len(vocab)][1:]
	}
	last[0] = "Müller"
	topics := []model.Topic{{Name: "hallucination", Description: "x"}, {Name: "efficiency", Description: "y"}, {Name: "evaluation", Description: "z"}}

	s, err := Open(ctx, path)
	if err != nil {
		return err
	}
	defer s.Close()
	day := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	for d := range days {
		for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			day = day.AddDate(0, 0, 1)
		}
		r := testRun(day.Format("2006-01-02"))
		r.Topics = topics
		papers := make([]model.Paper, searchBenchPerDay)
		known := Known{}
		for i := range papers {
			n := d*searchBenchPerDay + i
			abstract := text(180)
			if n%100 == 0 {
				abstract = "We make sparse attention cheaper. " + abstract
			}
			authors := make([]string, 5)
			for j := range authors {
				authors[j] = first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))]
			}
			papers[i] = model.Paper{ID: fmt.Sprintf("%04d.%05d", 2501+n/90000, n%90000), Version: 1, Title: text(10), Abstract: abstract,
				Authors: authors, Categories: []string{"cs.CL"}, AnnounceType: model.New}
			known[papers[i].ID] = map[string]model.Score{}
			for _, t := range topics {
				known[papers[i].ID][t.Name] = model.Score{Topic: t.Name, Relevance: float64(rng.IntN(11)) / 10}
			}
		}
		if err := s.BeginRun(ctx, r, papers, known); err != nil {
			return err
		}
		if err := s.FinishRun(ctx, r.Date, RunComplete, "", nil); err != nil {
			return err
		}
		day = day.AddDate(0, 0, 1)
	}
	return nil
}

// BenchmarkSearch measures one search (the default 20 hits) on a store of
// 200,000 papers, opened as the MCP server opens it, for queries from rare
// to very common. hits/op is how many papers the query matches in all.
func BenchmarkSearch(b *testing.B) {
	path := searchBenchStore(b)
	ctx := context.Background()
	s, err := OpenReadOnly(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, q := range []SearchQuery{
		{Text: `"sparse attention"`},
		{Text: `"sparse attention"`, Topic: "hallucination", Selected: true},
		{Text: `"sparse attention"`, Since: "2025-05-01"},
		{Text: "Muller"},
		{Text: "entangle*"},
		{Text: "bosonic"},
		{Text: "teleportation OR heralded"},
		{Text: "entanglement"},
		{Text: "quantum"},
	} {
		name := q.Text
		if q.Topic != "" {
			name += " topic selected"
		}
		if q.Since != "" {
			name += " since"
		}
		b.Run(name, func(b *testing.B) {
			match, err := ParseQuery(q.Text)
			if err != nil {
				b.Fatal(err)
			}
			var total int
			if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?`, match).Scan(&total); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := s.Search(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total), "hits/op")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}
