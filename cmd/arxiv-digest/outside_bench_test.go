package main

// This file must build on its own in older versions of this package, with
// internal/testfeed: scripts/bench-against copies it there to measure an
// older build side by side with this one. It uses only what every version
// has (testConfig, newFakeArxiv, binary, testKey, fakeopenai.NewT).

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/internal/testfeed"
)

// BenchmarkOutside runs the real binary on a 2,000-paper day at
// concurrency 128 against a 50 ms fake model, through a proxy that notes
// when the first request arrives and the last answer leaves, and reports
// the time outside the model calls (start_s + tail_s), the peak RSS and
// the CPU time. Unlike BenchmarkRunPhases it needs nothing of the program
// but its command line, so builds of any version compare side by side:
//
//	scripts/bench-against d4cecad 6
func BenchmarkOutside(b *testing.B) {
	feed := testfeed.Synthetic(2000)
	for range b.N {
		dir := b.TempDir()
		arxiv := newFakeArxiv(b, feed)
		llm := fakeopenai.NewT(b, fakeopenai.Config{MeanLatency: 50 * time.Millisecond, Sigma: 0.3, Seed: 11})
		proxy := newTimingProxy(b, llm.URL)
		cfg := testConfig(b, dir, arxiv.URL, proxy.URL, "")
		data, _ := os.ReadFile(cfg)
		os.WriteFile(cfg, bytes.Replace(data, []byte("concurrency: 4"), []byte("concurrency: 128"), 1), 0o644)
		p := exec.Command(binary(b), "run", "--config", cfg)
		p.Env = append(p.Environ(), "TEST_LLM_KEY="+testKey)
		var out bytes.Buffer
		p.Stdout, p.Stderr = &out, &out
		start := time.Now()
		peak, err := runPeak(p)
		if err != nil {
			b.Fatalf("run: %v\n%s", err, out.String())
		}
		end := time.Now()
		first, last, n := proxy.seen()
		if n != 2000 {
			b.Fatalf("%d answers, want 2000", n)
		}
		ru := p.ProcessState.SysUsage().(*syscall.Rusage)
		b.ReportMetric(first.Sub(start).Seconds(), "start_s")
		b.ReportMetric(end.Sub(last).Seconds(), "tail_s")
		b.ReportMetric(first.Sub(start).Seconds()+end.Sub(last).Seconds(), "outside_s")
		b.ReportMetric(peak, "peak_RSS_MB")
		b.ReportMetric(time.Duration(ru.Utime.Nano()+ru.Stime.Nano()).Seconds(), "cpu_s")
	}
}

// timingProxy forwards to a fake API and notes the first request's
// arrival, the last answer's departure and how many answers went out.
type timingProxy struct {
	*httptest.Server
	mu          sync.Mutex
	first, last time.Time
	n           int
}

func newTimingProxy(b *testing.B, target string) *timingProxy {
	u, err := url.Parse(target)
	if err != nil {
		b.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 256}
	t := &timingProxy{}
	t.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.mu.Lock()
		if t.first.IsZero() {
			t.first = time.Now()
		}
		t.mu.Unlock()
		rp.ServeHTTP(w, r)
		t.mu.Lock()
		t.last = time.Now()
		t.n++
		t.mu.Unlock()
	}))
	b.Cleanup(t.Close)
	return t
}

func (t *timingProxy) seen() (first, last time.Time, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.first, t.last, t.n
}

// runPeak runs p and returns its peak resident memory in MB, the high-water
// mark /proc shows for it (VmHWM), read every 2 ms until it exits. The
// peak getrusage reports is no use here: Linux counts in it the memory of
// the process that started the child (this benchmark, larger with every
// -count), as it was when the child began.
func runPeak(p *exec.Cmd) (float64, error) {
	if err := p.Start(); err != nil {
		return 0, err
	}
	status := fmt.Sprintf("/proc/%d/status", p.Process.Pid)
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	var kib int64
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(status); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					if n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil && n > kib {
						kib = n
					}
				}
			}
		}
		select {
		case err := <-done:
			return float64(kib) / 1024, err
		case <-tick.C:
		}
	}
}
