package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// bigDay is a synthetic day of n papers and 5 topics: realistic lengths,
// about a fifth selected, a few failed, a few skipped.
func bigDay(n int) model.Digest {
	topics := []model.Topic{
		{Name: "Large language models", Description: "Training, scaling and evaluation of LLMs."},
		{Name: "Reinforcement learning", Description: "Policy optimisation, RLHF."},
		{Name: "Quantum error correction", Description: "Codes and decoders."},
		{Name: "Graph neural networks", Description: "Message passing, expressivity."},
		{Name: "Computer vision", Description: "Detection, segmentation, diffusion models."},
	}
	d := model.Digest{Date: "2025-04-28", Categories: []string{"cs.LG", "cs.CL", "quant-ph"}, Topics: topics,
		Model: "gpt-4.1-mini", Threshold: 0.7, Source: "rss", GeneratedAt: "2025-04-28T06:00:00Z"}
	abstract := strings.Repeat("We study $A_n$ models with SU($N_c$) symmetry & show that x -> y when n < 5. ", 14)
	papers := make([]model.Paper, n)
	outcomes := map[string]model.Outcome{}
	types := model.AnnounceTypes
	for i := range papers {
		id := fmt.Sprintf("2504.%05d", 10000+i)
		authors := make([]string, 3+i%9)
		if i%97 == 0 {
			authors = make([]string, 250)
		}
		for j := range authors {
			authors[j] = fmt.Sprintf("Rémy Author-%d", j)
		}
		papers[i] = model.Paper{ID: id, Version: 1 + i%3, Title: fmt.Sprintf("Paper %d on $\\mathcal{O}(n)$ scaling of <things> & stuff", i),
			Abstract: abstract, Authors: authors, Categories: []string{"cs.LG", "stat.ML"}, AnnounceType: types[i%len(types)]}
		switch {
		case i%50 == 7:
			outcomes[id] = model.Outcome{Status: model.StatusFailed, Error: "classify: openai: 429 Too Many Requests"}
		case i%60 == 11:
			// skipped: no outcome
		default:
			sc := make([]model.Score, len(topics))
			for k, t := range topics {
				rel := float64((i*7+k*13)%100) / 100
				if (i+k)%10 != 0 {
					rel *= 0.6
				}
				sc[k] = model.Score{Topic: t.Name, Relevance: rel, Reason: "Because the abstract discusses exactly this topic in depth."}
			}
			outcomes[id] = model.Outcome{Status: model.StatusJudged, Scores: sc}
		}
	}
	d = model.Build(d, papers, outcomes)
	d.Stats.Tokens = model.Usage{Prompt: 4_000_000, Cached: 3_000_000, Completion: 200_000, Requests: int64(n)}
	return d
}

func BenchmarkRenderDay(b *testing.B) {
	d := bigDay(2000)
	b.Logf("%d papers, %d selected, %d failed, %d skipped", d.Stats.Fetched, d.Stats.Selected, d.Stats.Failed, d.Stats.Skipped)
	b.Run("markdown", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Markdown(d)
		}
	})
	b.Run("html", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := HTML(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := JSON(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("writeday", func(b *testing.B) {
		dir := b.TempDir()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := WriteDay(dir, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Everything a run writes: the day's files, then the index and the feed
	// (the day just written is passed in, as the pipeline does).
	b.Run("all_outputs", func(b *testing.B) {
		dir := b.TempDir()
		b.ReportAllocs()
		for b.Loop() {
			writeAll(b, dir, d)
		}
	})
	// The same after 30 such days: the index lists them all and the feed
	// carries the newest DefaultMaxEntries, read from their summaries.
	b.Run("all_outputs_after_30_days", func(b *testing.B) {
		dir := b.TempDir()
		day := d
		for i := range 30 {
			day.Date = fmt.Sprintf("2025-03-%02d", i+1)
			if _, err := WriteDay(dir, day); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			writeAll(b, dir, d)
		}
	})
}

func writeAll(b *testing.B, dir string, d model.Digest) {
	if _, err := WriteDay(dir, d); err != nil {
		b.Fatal(err)
	}
	if err := WriteHistory(dir, HistoryOptions{}); err != nil {
		b.Fatal(err)
	}
}
