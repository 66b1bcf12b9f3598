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

	"golang.org/x/sys/unix"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// The search benchmark's stores: 100 days of 2,000 papers. Building one
// takes a minute or more, so it is kept between runs in the system's
// temporary folder (os.TempDir), under a name that says what it holds:
// bump searchBenchVersion when buildSearchBenchStore changes what it
// writes. A new schema version (a migration added) names a new file too.
// Delete the folder arxiv-digest-search-bench to rebuild them.
const (
	searchBenchDays, searchBenchPerDay = 100, 2000
	searchBenchVersion                 = 2
)

// searchBenchScores is how the benchmark's papers are scored.
type searchBenchScores string

const (
	// realisticScores: a day selects about 10% of its papers (a score of
	// 0.7, the default threshold, or more for one of its three topics),
	// the share `run --dry-run` assumes: each topic scores a paper 0.7 to
	// 1 with a chance of 3.5%, 0.4 to 0.6 with 10%, else 0 to 0.3.
	realisticScores searchBenchScores = "realistic"
	// uniformScores: every score from 0 to 1 (in tenths) equally likely,
	// which selects 74% of every day: the worst case for search tiers.
	uniformScores searchBenchScores = "uniform"
)

// relevance draws one score.
func (sc searchBenchScores) relevance(rng *rand.Rand) float64 {
	if sc == uniformScores {
		return float64(rng.IntN(11)) / 10
	}
	switch u := rng.Float64(); {
	case u < 0.035:
		return float64(7+rng.IntN(4)) / 10
	case u < 0.135:
		return float64(4+rng.IntN(3)) / 10
	default:
		return float64(rng.IntN(4)) / 10
	}
}

var (
	searchBenchMu     sync.Mutex
	searchBenchPaths  = map[searchBenchScores]string{}
	searchBenchFailed error
)

// searchBenchStore returns the path of the big store scored so, built on
// the first call if no earlier run left it. It is built under a temporary
// name and renamed when complete, so an interrupted build is never taken
// for one.
func searchBenchStore(b *testing.B, scores searchBenchScores) string {
	searchBenchMu.Lock()
	defer searchBenchMu.Unlock()
	if searchBenchFailed != nil {
		b.Fatal(searchBenchFailed)
	}
	if path, ok := searchBenchPaths[scores]; ok {
		return path
	}
	path, err := func() (string, error) {
		dir := filepath.Join(os.TempDir(), "arxiv-digest-search-bench")
		path := filepath.Join(dir, fmt.Sprintf("v%d-schema%d-%dx%d-%s.db",
			searchBenchVersion, len(migrations), searchBenchDays, searchBenchPerDay, scores))
		if _, err := os.Stat(path); err == nil {
			b.Logf("reusing %s", path)
			return path, nil
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		tmp, err := os.MkdirTemp(dir, "building-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(tmp)
		start := time.Now()
		built := filepath.Join(tmp, "store.db")
		if err := buildSearchBenchStore(built, searchBenchDays, scores); err != nil {
			return "", err
		}
		if err := os.Rename(built, path); err != nil {
			return "", err
		}
		b.Logf("built %d days x %d papers in %s: %s", searchBenchDays, searchBenchPerDay, time.Since(start).Round(time.Second), path)
		return path, nil
	}()
	if err != nil {
		searchBenchFailed = err
		b.Fatal(err)
	}
	searchBenchPaths[scores] = path
	return path
}

func buildSearchBenchStore(path string, days int, scores searchBenchScores) error {
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
				known[papers[i].ID][t.Name] = model.Score{Topic: t.Name, Relevance: scores.relevance(rng)}
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
// 200,000 papers scored as real days are (realisticScores), opened as the
// MCP server opens it, for queries from rare to very common. Each query is
// measured three ways, one after the other: search is Search; exhaustive
// is the search that joins every match to its days and scores, for a
// ratio measured under the same load; fts5 is what FTS5 alone takes to
// score (bm25) and sort every match, which any search that ranks every
// match by bm25 pays. matches/op is how many papers the query matches in
// all, looked/op how many of them Search looked up, tiers/op how many
// search tiers it read.
func BenchmarkSearch(b *testing.B) {
	benchSearch(b, realisticScores, true)
}

// BenchmarkSearchUniformScores is BenchmarkSearch (without the exhaustive
// search) on a store where three papers in four are selected, the worst
// case for search tiers.
func BenchmarkSearchUniformScores(b *testing.B) {
	benchSearch(b, uniformScores, false)
}

func benchSearch(b *testing.B, scores searchBenchScores, exhaustive bool) {
	path := searchBenchStore(b, scores)
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
		{Text: "quantum", Topic: "hallucination"},
		{Text: "quantum", Selected: true},
	} {
		name := q.Text
		if q.Topic != "" {
			name += " topic"
		}
		if q.Selected {
			name += " selected"
		}
		if q.Since != "" {
			name += " since"
		}
		match, err := ParseQuery(q.Text)
		if err != nil {
			b.Fatal(err)
		}
		var total int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?`, match).Scan(&total); err != nil {
			b.Fatal(err)
		}
		_, st, err := s.search(ctx, q, defaultSearchSteps)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/search", func(b *testing.B) {
			cpu := cpuTime(b)
			for b.Loop() {
				if _, err := s.Search(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			reportTimes(b, cpu)
			b.ReportMetric(float64(total), "matches/op")
			b.ReportMetric(float64(st.looked), "looked/op")
			b.ReportMetric(float64(st.tiers), "tiers/op")
		})
		if exhaustive {
			b.Run(name+"/exhaustive", func(b *testing.B) {
				cpu := cpuTime(b)
				for b.Loop() {
					if _, err := s.exhaustiveSearch(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
				reportTimes(b, cpu)
			})
		}
		b.Run(name+"/fts5", func(b *testing.B) {
			cpu := cpuTime(b)
			for b.Loop() {
				rows, err := s.db.QueryContext(ctx, `SELECT rowid, bm25(papers_fts, 10.0, 1.0, 3.0) AS m FROM papers_fts
WHERE papers_fts MATCH ? ORDER BY m`, match)
				if err != nil {
					b.Fatal(err)
				}
				rows.Next()
				if err := rows.Close(); err != nil {
					b.Fatal(err)
				}
			}
			reportTimes(b, cpu)
		})
	}
}

// cpuTime is the CPU time the process has used so far, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportTimes reports the time per op in milliseconds, on the clock
// (ms/op) and in CPU time since start (cpu-ms/op): on a shared machine
// the clock counts the time other jobs had the CPU, the CPU time does not.
func reportTimes(b *testing.B, start time.Duration) {
	cpu := cpuTime(b) - start
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
