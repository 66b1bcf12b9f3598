package main

// Tests that run the real binary: kill -9 and resume, Ctrl-C, the daemon
// with the lock, and a search of everything for the API key.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/fetch"
	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
)

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "arxiv-digest-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "arxiv-digest")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var buildOnce sync.Once

// binary builds the command once per test process.
func binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	var err error
	var out []byte
	buildOnce.Do(func() {
		out, err = exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	})
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if _, err := os.Stat(binPath); err != nil {
		t.Fatalf("binary missing (an earlier build failed): %v", err)
	}
	return binPath
}

// proc is a running arxiv-digest process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
	done           chan struct{}
	err            error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func start(t testing.TB, args ...string) *proc {
	t.Helper()
	return startEnv(t, nil, args...)
}

// startEnv is start with more environment variables.
func startEnv(t testing.TB, vars map[string]string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary(t), args...), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "TEST_LLM_KEY="+testKey)
	for k, v := range vars {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t testing.TB, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		t.Fatalf("process still running after %s\nstderr:\n%s", limit, p.stderr.String())
		return -1
	}
}

// waitFor polls cond until it holds, failing after limit.
func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestKillNineAndResume kills a real run mid-way and checks that the rerun
// pays only for the judgements that were not yet committed.
func TestKillNineAndResume(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{APIKey: testKey, MeanLatency: 60 * time.Millisecond, Sigma: 0.3, Seed: 7})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")

	p := start(t, "run", "--config", cfg)
	waitFor(t, 60*time.Second, "30 answers", func() bool { return llm.Stats().Completed >= 30 })
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.wait(t, 10*time.Second)
	time.Sleep(100 * time.Millisecond) // let the fake notice the dropped connections
	answered := llm.Stats().Completed
	if answered >= 81 {
		t.Fatalf("the run finished before it was killed (%d answers)", answered)
	}

	p2 := start(t, "run", "--config", cfg)
	if code := p2.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("rerun exit %d\n%s", code, p2.stderr.String())
	}
	rerun := llm.Stats().Completed - answered
	// Every answer the killed run received was committed, except at most
	// the 4 (llm.concurrency) that arrived as it died.
	if rerun < 81-answered || rerun > 81-answered+4 {
		t.Errorf("rerun paid for %d papers; %d of 81 were answered before the kill, so want %d..%d",
			rerun, answered, 81-answered, 81-answered+4)
	}
	d := readDigest(t, dir, "2025-04-28")
	if d.Stats.Judged != 81 || d.Incomplete {
		t.Errorf("after resume: %+v incomplete=%v", d.Stats, d.Incomplete)
	}
	for paper, n := range llm.Stats().Papers {
		if n > 2 {
			t.Errorf("paper %q paid %d times", paper, n)
		}
	}
	assertNoKey(t, dir, p.stdout.String()+p.stderr.String()+p2.stdout.String()+p2.stderr.String())
}

// TestInterrupt sends SIGINT to a real run: it stops starting requests,
// saves, writes the digest with the rest skipped and exits 130.
func TestInterrupt(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{MeanLatency: 150 * time.Millisecond, Seed: 3})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")

	p := start(t, "run", "--config", cfg)
	waitFor(t, 60*time.Second, "10 answers", func() bool { return llm.Stats().Completed >= 10 })
	p.cmd.Process.Signal(syscall.SIGINT)
	if code := p.wait(t, 30*time.Second); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr.String())
	}
	requests := llm.Stats().Requests
	d := readDigest(t, dir, "2025-04-28")
	if !d.Incomplete || d.Stats.Judged < 10 || d.Stats.Skipped == 0 || d.Stats.Judged+d.Stats.Failed+d.Stats.Skipped != 81 {
		t.Errorf("interrupted digest: incomplete=%v %+v", d.Incomplete, d.Stats)
	}
	if int64(d.Stats.Judged+d.Stats.Failed) > requests {
		t.Errorf("%d papers tried but only %d requests", d.Stats.Judged+d.Stats.Failed, requests)
	}
	if !strings.Contains(p.stdout.String(), "skipped") {
		t.Errorf("no summary on stdout:\n%s", p.stdout.String())
	}
	// The rerun finishes the day, paying only for the skipped papers.
	p2 := start(t, "run", "--config", cfg)
	if code := p2.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("rerun exit %d\n%s", code, p2.stderr.String())
	}
	if got := llm.Stats().Completed; got > 81+4 {
		t.Errorf("%d answers in all for 81 papers", got)
	}
}

// todaysFeed is the quant-ph fixture dated as the announcement the daemon
// expects now, so that it finds the day it is looking for.
func todaysFeed(t testing.TB) (date string, feed []byte) {
	t.Helper()
	date = fetch.LatestAnnouncement(time.Now())
	day, _ := time.Parse(time.DateOnly, date)
	feed = bytes.ReplaceAll(readFixture(t, "rss2_quant-ph_2025-04-28.xml"),
		[]byte("Mon, 28 Apr 2025 00:00:00 -0400"), []byte(day.Format("Mon, 02 Jan 2006")+" 00:00:00 -0500"))
	return date, feed
}

// TestDaemon runs the real daemon on a seconds-level schedule: two
// scheduled runs that never overlap, a manual run refused by the lock while
// one is going, and a clean exit on SIGTERM.
func TestDaemon(t *testing.T) {
	dir := t.TempDir()
	today, feed := todaysFeed(t)
	arxiv := newFakeArxiv(t, feed)
	llm := fakeopenai.NewT(t, fakeopenai.Config{MeanLatency: 100 * time.Millisecond, Seed: 5})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "schedule:\n  cron: \"*/2 * * * * *\"\n  retries: 1\n  retry_backoff: 1s\n")

	d := start(t, "daemon", "--config", cfg)
	// The day has no digest, so the daemon runs at once.
	waitFor(t, 30*time.Second, "the first run's model requests", func() bool { return llm.Stats().InFlight > 0 })
	m := start(t, "run", "--config", cfg)
	if code := m.wait(t, 30*time.Second); code != 4 {
		t.Errorf("manual run during a scheduled one: exit %d, want 4\n%s", code, m.stderr.String())
	}
	if msg := m.stderr.String(); !strings.Contains(msg, fmt.Sprintf("pid %d", d.cmd.Process.Pid)) {
		t.Errorf("the lock message does not name the daemon's pid %d:\n%s", d.cmd.Process.Pid, msg)
	}
	// With --wait, a manual run waits for the scheduled one, then finds the
	// day complete and pays nothing.
	w := start(t, "run", "--config", cfg, "--wait")
	if code := w.wait(t, 60*time.Second); code != 0 || !strings.Contains(w.stdout.String(), "already complete") {
		t.Errorf("run --wait: exit %d, stdout %q\n%s", code, w.stdout.String(), w.stderr.String())
	}
	waitFor(t, 60*time.Second, "two scheduled runs", func() bool {
		return strings.Count(d.stdout.String(), today+":") >= 2
	})
	if st := llm.Stats(); st.MaxInFlight > 4 || st.Completed != 81 {
		t.Errorf("max in flight %d (bound 4), answers %d (want 81: the second run pays nothing)", st.MaxInFlight, st.Completed)
	}
	if !strings.Contains(d.stderr.String(), "next_run") {
		t.Errorf("the daemon does not log its next run:\n%s", d.stderr.String())
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	if code := d.wait(t, 10*time.Second); code != 0 {
		t.Errorf("daemon exit %d after SIGTERM\n%s", code, d.stderr.String())
	}
	assertNoKey(t, dir, d.stdout.String()+d.stderr.String()+m.stderr.String())
}

// TestDaemonStopsMidRun: SIGTERM during a scheduled run lets it save its
// work and write the digest, and the daemon exits 0 within 10 seconds.
func TestDaemonStopsMidRun(t *testing.T) {
	dir := t.TempDir()
	today, feed := todaysFeed(t)
	arxiv := newFakeArxiv(t, feed)
	llm := fakeopenai.NewT(t, fakeopenai.Config{MeanLatency: 300 * time.Millisecond, Seed: 6})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "schedule:\n  cron: \"0 0 1 1 *\"\n")

	d := start(t, "daemon", "--config", cfg)
	waitFor(t, 30*time.Second, "8 answers", func() bool { return llm.Stats().Completed >= 8 })
	d.cmd.Process.Signal(syscall.SIGTERM)
	if code := d.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("daemon exit %d after SIGTERM mid-run\n%s", code, d.stderr.String())
	}
	got := readDigest(t, dir, today)
	if !got.Incomplete || got.Stats.Judged < 8 || got.Stats.Judged+got.Stats.Failed+got.Stats.Skipped != 81 {
		t.Errorf("digest after SIGTERM: incomplete=%v %+v", got.Incomplete, got.Stats)
	}
}

// TestDaemonStopsAtTheWorstMoment sends SIGTERM while requests are in
// flight whose answers arrive just before llm.grace ends. The daemon waits
// for the grace and the saving after it, so the late answers are saved as
// judged, the digest is written and it exits 0. The grace is longer than the
// 10 s the daemon once waited in all, which closed the store under the run.
func TestDaemonStopsAtTheWorstMoment(t *testing.T) {
	const grace = 13 * time.Second
	const late = grace - 2*time.Second // when the held answers are sent, after the signal
	dir := t.TempDir()
	today, feed := todaysFeed(t)
	arxiv := newFakeArxiv(t, feed)
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	var held atomic.Int64
	llm := fakeopenai.NewT(t, fakeopenai.Config{Seed: 8, Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		peekBody(r) // a request whose body is read ends when its client goes away
		held.Add(1)
		select { // every answer waits for the test; then the fake answers at once
		case <-release:
		case <-r.Context().Done():
		}
		return false
	}})
	t.Cleanup(free) // before the fake closes: it waits for its handlers
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "schedule:\n  cron: \"0 0 1 1 *\"\n")
	data, _ := os.ReadFile(cfg)
	data = bytes.Replace(data, []byte("  timeout: 5s\n"), []byte("  timeout: 60s\n  grace: "+grace.String()+"\n"), 1)
	if err := os.WriteFile(cfg, data, 0o644); err != nil {
		t.Fatal(err)
	}

	d := start(t, "daemon", "--config", cfg)
	waitFor(t, 30*time.Second, "4 requests in flight (llm.concurrency)", func() bool { return held.Load() >= 4 })
	d.cmd.Process.Signal(syscall.SIGTERM)
	time.AfterFunc(late, free)
	// The grace plus a generous bound on the saving, on a noisy machine.
	if code := d.wait(t, grace+60*time.Second); code != 0 {
		t.Fatalf("daemon exit %d after SIGTERM with answers due late in the grace\n%s", code, d.stderr.String())
	}
	st := llm.Stats()
	if st.Completed < 4 {
		t.Fatalf("%d answers sent; the 4 held requests should have been answered in the grace\n%s", st.Completed, d.stderr.String())
	}
	got := readDigest(t, dir, today)
	if int64(got.Stats.Judged) != st.Completed || !got.Incomplete || got.Stats.Judged+got.Stats.Failed+got.Stats.Skipped != 81 {
		t.Errorf("digest after SIGTERM: %d answers sent, incomplete=%v %+v", st.Completed, got.Incomplete, got.Stats)
	}
	if logs := d.stderr.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("errors logged while stopping:\n%s", logs)
	}
}

// assertNoKey searches every file under dir (digests, index, feed, the
// SQLite database and its WAL) and the process output for the API key.
func assertNoKey(t testing.TB, dir, output string) {
	t.Helper()
	if strings.Contains(output, testKey) {
		t.Errorf("the API key appears in the process output")
	}
	n := 0
	filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || filepath.Base(path) == "config.yaml" {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		data, _ := io.ReadAll(bufio.NewReader(f))
		n++
		if bytes.Contains(data, []byte(testKey)) || bytes.Contains(data, []byte(testKey[8:])) {
			t.Errorf("the API key appears in %s", path)
		}
		return nil
	})
	if n < 4 {
		t.Errorf("searched only %d files; expected the digests and the database", n)
	}
}
