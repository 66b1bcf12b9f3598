package tex

import (
	"html"
	"testing"
)

// The benchmarks run every title and abstract of testdata/arxiv (101 real
// papers: a quant-ph day and a cs.AI page) through one function per
// iteration, and report the time per paper; a day's page shows about 1,500.

func benchmarkTexts(b *testing.B, f func(string) string) {
	texts := fixtureTexts(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, s := range texts {
			f(s)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(texts)/2), "ns/paper")
}

func BenchmarkText(b *testing.B)  { benchmarkTexts(b, Text) }
func BenchmarkHTML(b *testing.B)  { benchmarkTexts(b, HTML) }
func BenchmarkPlain(b *testing.B) { benchmarkTexts(b, Plain) }

// BenchmarkHTMLNoTeX is the fast path: a title with nothing to decode.
func BenchmarkHTMLNoTeX(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		HTML("Quantum Error Correction Below the Surface Code Threshold with Self-Adjoint Operators")
	}
}

// BenchmarkEscapeOnly is the baseline: what escaping the same texts as
// plain text costs (html.EscapeString), in the same run, so that HTML's
// cost can be read as a ratio on a busy machine.
func BenchmarkEscapeOnly(b *testing.B) { benchmarkTexts(b, html.EscapeString) }
