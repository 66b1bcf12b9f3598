package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
)

// syntheticFeed is an arXiv RSS day of n papers shaped like the real ones
// (long abstracts, several authors, TeX, categories).
func syntheticFeed(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">
<channel><title>cs updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs</link><description>cs updates</description>
<pubDate>Mon, 28 Apr 2025 00:00:00 -0400</pubDate><skipDays><day>Saturday</day><day>Sunday</day></skipDays>
`)
	abstract := strings.Repeat("We study how large language models hallucinate under distribution shift, and propose a retrieval-augmented decoding method with $O(n \\log n)$ cost. ", 8)
	for i := range n {
		id := fmt.Sprintf("2504.%05d", 10000+i)
		fmt.Fprintf(&b, `<item><title>Paper %d on calibrated decoding for $A_n$ models</title><link>https://arxiv.org/abs/%s</link>
<description>arXiv:%sv1 Announce Type: new 
Abstract: %s</description><guid isPermaLink="false">oai:arXiv.org:%sv1</guid>
<category>cs.CL</category><category>cs.LG</category><pubDate>Mon, 28 Apr 2025 00:00:00 -0400</pubDate>
<arxiv:announce_type>new</arxiv:announce_type><dc:creator>Ana Garc\'ia, J\"org M\"uller, Przemys{\l}aw Nowak, Li Wei, Sam Smith</dc:creator></item>
`, i, id, id, abstract, id)
	}
	b.WriteString("</channel></rss>\n")
	return []byte(b.String())
}

// BenchmarkRunPeakRSS runs the real binary on a 2,000-paper day against the
// fake API and reports the child process's peak resident memory.
//
//	go test -run '^$' -bench BenchmarkRunPeakRSS -benchtime 1x ./cmd/arxiv-digest
func BenchmarkRunPeakRSS(b *testing.B) {
	for range b.N {
		dir := b.TempDir()
		arxiv := newFakeArxiv(b, syntheticFeed(2000))
		llm := fakeopenai.NewT(b, fakeopenai.Config{MeanLatency: 20 * time.Millisecond, Sigma: 0.3, Seed: 11})
		cfg := testConfig(b, dir, arxiv.URL, llm.URL, "")
		data, _ := os.ReadFile(cfg) // the default concurrency, not the tests' 4
		os.WriteFile(cfg, bytes.Replace(data, []byte("concurrency: 4"), []byte("concurrency: 16"), 1), 0o644)
		p := exec.Command(binary(b), "run", "--config", cfg)
		p.Env = append(p.Environ(), "TEST_LLM_KEY="+testKey)
		start := time.Now()
		out, err := p.CombinedOutput()
		if err != nil {
			b.Fatalf("run: %v\n%s", err, out)
		}
		elapsed := time.Since(start)
		ru := p.ProcessState.SysUsage().(*syscall.Rusage)
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak_RSS_MB") // Linux reports KiB
		b.ReportMetric(elapsed.Seconds(), "wall_s")
		b.ReportMetric(float64(llm.Stats().Completed), "answers")
	}
}
