package main

import (
	"bytes"
	"encoding/json"
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

// BenchmarkRunPhases runs the real binary on a 2,000-paper day at
// concurrency 128 against a 50 ms fake model and reports the time spent
// outside the model calls, phase by phase, and the peak resident memory:
//
//   - start_s: from starting the process to the first model request
//     (loading, fetching and parsing the feed, recording the day's papers);
//
//   - record_s: recording the day's papers, within start_s (from the
//     pipeline's debug log);
//
//   - tail_s: from the last model answer to the process's exit (the last
//     answers saved, the digest built, rendered and written);
//
//   - outside_s: start_s + tail_s.
//
//     go test -run '^$' -bench BenchmarkRunPhases -benchtime 1x -count 3 ./cmd/arxiv-digest
func BenchmarkRunPhases(b *testing.B) {
	feed := syntheticFeed(2000)
	for range b.N {
		dir := b.TempDir()
		arxiv := newFakeArxiv(b, feed)
		llm := fakeopenai.NewT(b, fakeopenai.Config{MeanLatency: 50 * time.Millisecond, Sigma: 0.3, Seed: 11})
		cfg := testConfig(b, dir, arxiv.URL, llm.URL, "log:\n  format: json\n  level: debug\n")
		data, _ := os.ReadFile(cfg)
		os.WriteFile(cfg, bytes.Replace(data, []byte("concurrency: 4"), []byte("concurrency: 128"), 1), 0o644)
		p := exec.Command(binary(b), "run", "--config", cfg)
		p.Env = append(p.Environ(), "TEST_LLM_KEY="+testKey)
		var stderr bytes.Buffer
		p.Stderr = &stderr
		start := time.Now()
		if err := p.Run(); err != nil {
			b.Fatalf("run: %v\n%s", err, stderr.String())
		}
		end := time.Now()
		st := llm.Stats()
		if st.Completed != 2000 {
			b.Fatalf("%d answers, want 2000", st.Completed)
		}
		ru := p.ProcessState.SysUsage().(*syscall.Rusage)
		startS, tailS := st.First.Sub(start).Seconds(), end.Sub(st.Last).Seconds()
		b.ReportMetric(startS, "start_s")
		b.ReportMetric(phaseSeconds(b, stderr.String(), "record"), "record_s")
		b.ReportMetric(tailS, "tail_s")
		b.ReportMetric(startS+tailS, "outside_s")
		b.ReportMetric(st.Last.Sub(st.First).Seconds(), "model_s")
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak_RSS_MB")
	}
}

// phaseSeconds reads the duration of a phase from the pipeline's "phase"
// debug lines (JSON logs), or -1 when the log has none.
func phaseSeconds(b *testing.B, log, phase string) float64 {
	for _, line := range strings.Split(log, "\n") {
		var l struct {
			Msg     string  `json:"msg"`
			Phase   string  `json:"phase"`
			Seconds float64 `json:"seconds"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "phase" && l.Phase == phase {
			return l.Seconds
		}
	}
	return -1
}
