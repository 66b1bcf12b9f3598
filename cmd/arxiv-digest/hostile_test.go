package main

// Tests that run the real binary against a hostile model server: answers
// of hundreds of megabytes.

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

const (
	giantAnswer = 300 << 20 // bytes streamed per answer
	// rssBound bounds the child's peak resident memory: generous, yet far
	// below what a run that reads 8 such answers at once needs (gigabytes).
	rssBound = 300 << 20
	// rssKill stops a child that passes it before it exhausts a shared
	// machine; the test then fails.
	rssKill = 1 << 30
)

// giantServer streams a 300 MB chat completion for every request, after
// delay, and counts the answers it started.
func giantServer(t *testing.T, delay time.Duration) (*fakeopenai.Server, *atomic.Int64) {
	var started atomic.Int64
	srv := fakeopenai.NewT(t, fakeopenai.Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		select {
		case <-r.Context().Done():
			return true
		case <-time.After(delay):
		}
		started.Add(1)
		fakeopenai.WriteLargeCompletion(w, giantAnswer)
		return true
	}})
	return srv, &started
}

// hostileConfig is the test config at concurrency 8 with a short grace.
func hostileConfig(t *testing.T, dir, rssURL, llmURL string) string {
	cfg := testConfig(t, dir, rssURL, llmURL, "")
	data, _ := os.ReadFile(cfg)
	data = bytes.Replace(data, []byte("  concurrency: 4\n"), []byte("  concurrency: 8\n  grace: 2s\n"), 1)
	if err := os.WriteFile(cfg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// watchRSS kills p if its resident memory passes rssKill, and reports
// whether it did.
func watchRSS(t *testing.T, p *proc) *atomic.Bool {
	var killed atomic.Bool
	go func() {
		for {
			select {
			case <-p.done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if kib, ok := vmRSS(p.cmd.Process.Pid); ok && kib<<10 > rssKill {
				killed.Store(true)
				p.cmd.Process.Kill()
				return
			}
		}
	}()
	return &killed
}

// vmRSS reads a process's resident memory in KiB from /proc.
func vmRSS(pid int) (int64, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// checkPeakRSS checks the exited child's peak resident memory.
func checkPeakRSS(t *testing.T, p *proc, killed *atomic.Bool) {
	t.Helper()
	if killed.Load() {
		t.Fatalf("killed: resident memory passed %d MiB\n%s", rssKill>>20, p.stderr.String())
	}
	ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Fatal("no rusage")
	}
	peak := ru.Maxrss << 10 // Maxrss is in KiB on Linux
	t.Logf("peak RSS %d MiB", peak>>20)
	if peak > rssBound {
		t.Errorf("peak RSS %d MiB, want under %d MiB", peak>>20, rssBound>>20)
	}
}

// TestGiantAnswers: every answer is 300 MB, 8 at once. The run reads no
// more than the cap of each, fails every paper (none judged, none scored),
// writes the digest and exits 3, in bounded memory.
func TestGiantAnswers(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc and Linux's rusage")
	}
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm, _ := giantServer(t, 0)
	cfg := hostileConfig(t, dir, arxiv.URL, llm.URL)

	p := start(t, "run", "--config", cfg)
	killed := watchRSS(t, p)
	code := p.wait(t, 5*time.Minute)
	checkPeakRSS(t, p, killed)
	if code != exitIncomplete {
		t.Fatalf("exit %d, want 3\n%s", code, p.stderr.String())
	}
	d := readDigest(t, dir, "2025-04-28")
	if d.Stats.Failed != 81 || d.Stats.Judged != 0 {
		t.Errorf("stats %+v, want all 81 failed", d.Stats)
	}
	for _, e := range d.Papers {
		if e.Status != model.StatusFailed || len(e.Scores) != 0 || !strings.Contains(e.Error, "answer too large") {
			t.Errorf("%s: %s scores %v error %q", e.ID, e.Status, e.Scores, e.Error)
		}
	}
	if st := llm.Stats(); st.Requests != 81 {
		t.Errorf("%d requests, want 81: an answer too large is not retried", st.Requests)
	}
	assertNoKey(t, dir, p.stdout.String()+p.stderr.String())
}

// TestGiantAnswersSIGTERM: SIGTERM while 300 MB answers stream in stops the
// run within a bounded time, with the digest written.
func TestGiantAnswersSIGTERM(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc and Linux's rusage")
	}
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	// A little latency keeps the run going long enough to be stopped.
	llm, started := giantServer(t, 500*time.Millisecond)
	cfg := hostileConfig(t, dir, arxiv.URL, llm.URL)

	p := start(t, "run", "--config", cfg)
	killed := watchRSS(t, p)
	waitFor(t, 60*time.Second, "8 giant answers", func() bool { return started.Load() >= 8 })
	p.cmd.Process.Signal(syscall.SIGTERM)
	// llm.grace is 2s; 30s is a generous bound on a noisy machine.
	code := p.wait(t, 30*time.Second)
	checkPeakRSS(t, p, killed)
	if code != exitInterrupt {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr.String())
	}
	d := readDigest(t, dir, "2025-04-28")
	if !d.Incomplete || d.Stats.Judged != 0 || d.Stats.Skipped == 0 || d.Stats.Failed+d.Stats.Skipped != 81 {
		t.Errorf("digest after SIGTERM: incomplete=%v %+v", d.Incomplete, d.Stats)
	}
}
