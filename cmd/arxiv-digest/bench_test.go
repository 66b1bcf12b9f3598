package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/internal/testfeed"
)

// BenchmarkRunPeakRSS runs the real binary on a 2,000-paper day against the
// fake API and reports the child process's peak resident memory.
//
//	go test -run '^$' -bench BenchmarkRunPeakRSS -benchtime 1x ./cmd/arxiv-digest
func BenchmarkRunPeakRSS(b *testing.B) {
	for range b.N {
		dir := b.TempDir()
		arxiv := newFakeArxiv(b, testfeed.Synthetic(2000))
		llm := fakeopenai.NewT(b, fakeopenai.Config{MeanLatency: 20 * time.Millisecond, Sigma: 0.3, Seed: 11})
		cfg := testConfig(b, dir, arxiv.URL, llm.URL, "")
		data, _ := os.ReadFile(cfg) // the default concurrency, not the tests' 4
		os.WriteFile(cfg, bytes.Replace(data, []byte("concurrency: 4"), []byte("concurrency: 16"), 1), 0o644)
		p := exec.Command(binary(b), "run", "--config", cfg)
		p.Env = append(p.Environ(), "TEST_LLM_KEY="+testKey)
		var out bytes.Buffer
		p.Stdout, p.Stderr = &out, &out
		start := time.Now()
		peak, err := runPeak(p)
		if err != nil {
			b.Fatalf("run: %v\n%s", err, out.String())
		}
		elapsed := time.Since(start)
		b.ReportMetric(peak, "peak_RSS_MB")
		b.ReportMetric(elapsed.Seconds(), "wall_s")
		b.ReportMetric(float64(llm.Stats().Completed), "answers")
	}
}

// BenchmarkRunPhases runs the real binary on a 2,000-paper day at
// concurrency 128 against a 50 ms fake model (TL;DRs off: judging only)
// and reports the time spent outside the model calls, phase by phase, and
// the peak resident memory:
//
//   - start_s: from starting the process to the first model request;
//     within it fetch_s (fetching and parsing the feed) and known_s
//     (finding what the store knows already);
//
//   - record_s: recording the day's papers, done while the first requests
//     are out (it overlaps the model calls, and is not in start_s);
//
//   - tail_s: from the last model answer to the process's exit; within it
//     digest_s (the last answers saved and the digest built from the
//     store) and write_s (the day's files, and the index and feed made
//     alongside them);
//
//   - outside_s: start_s + tail_s; model_s: from the first request to the
//     last answer; cpu_s: the process's user and system CPU time, steadier
//     than the wall-clock figures on a shared machine.
//
// The phases come from the pipeline's debug log ("phase" lines).
//
//	go test -run '^$' -bench BenchmarkRunPhases -benchtime 1x -count 10 ./cmd/arxiv-digest
func BenchmarkRunPhases(b *testing.B) {
	feed := testfeed.Synthetic(2000)
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
		peak, err := runPeak(p)
		if err != nil {
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
		for _, phase := range []string{"fetch", "known", "record", "digest", "write"} {
			b.ReportMetric(phaseSeconds(b, stderr.String(), phase), phase+"_s")
		}
		b.ReportMetric(tailS, "tail_s")
		b.ReportMetric(startS+tailS, "outside_s")
		b.ReportMetric(st.Last.Sub(st.First).Seconds(), "model_s")
		b.ReportMetric(peak, "peak_RSS_MB")
		b.ReportMetric(time.Duration(ru.Utime.Nano()+ru.Stime.Nano()).Seconds(), "cpu_s")
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
