package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
)

// batchConfig is testConfig in batch mode, with llmExtra under llm.
func batchConfig(t testing.TB, dir, rssURL, llmURL, llmExtra string) string {
	t.Helper()
	path := testConfig(t, dir, rssURL, llmURL, "")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(data), "  max_retries: 1\n", "  max_retries: 1\n  mode: batch\n"+llmExtra, 1)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func fastPolls(t *testing.T) {
	batchPollMin = time.Millisecond
	t.Cleanup(func() { batchPollMin = 0 })
}

func TestRunBatch(t *testing.T) {
	fastPolls(t)
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{Model: "gpt-5-mini", APIKey: testKey, Batch: fakeopenai.BatchConfig{Steps: 2}})
	cfg := batchConfig(t, dir, arxiv.URL, llm.URL, "  batch_poll_max: 1s\n")

	res := runCLI(t, "run", "--config", cfg)
	if res.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	st := llm.Stats()
	if st.Chat != 0 || st.Batches != 1 || st.BatchLines != 81 {
		t.Errorf("%d live requests, %d batches, %d lines; want 0, 1, 81", st.Chat, st.Batches, st.BatchLines)
	}
	d := readDigest(t, dir, "2025-04-28")
	if d.Stats.Judged != 81 || d.Stats.Tokens.Batch.Requests != 81 || d.Stats.Tokens.Mode() != "batch" {
		t.Errorf("digest stats %+v", d.Stats)
	}
	html, err := os.ReadFile(dir + "/digests/2025-04-28/digest.html")
	if err != nil || !strings.Contains(string(html), "(batch)") {
		t.Errorf("the page does not say the cost was at the batch rate (%v)", err)
	}
}

func TestRunBatchNoWait(t *testing.T) {
	fastPolls(t)
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{APIKey: testKey})
	llm.HoldBatches(true)
	cfg := batchConfig(t, dir, arxiv.URL, llm.URL, "")

	res := runCLI(t, "run", "--config", cfg, "--no-wait")
	if res.code != 0 || !strings.Contains(res.stdout, "batch_") || !strings.Contains(res.stdout, "arxiv-digest run") {
		t.Fatalf("--no-wait: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(dir + "/digests/2025-04-28/digest.json"); err == nil {
		t.Error("a digest was written before its batch ended")
	}
	check := runCLI(t, "check", "--config", cfg, "--online")
	if !strings.Contains(check.stdout, "batch ok") || !strings.Contains(check.stdout, "2025-04-28 relevance batch_") {
		t.Errorf("check --online does not list the open batch:\n%s\n%s", check.stdout, check.stderr)
	}
	llm.HoldBatches(false)
	res = runCLI(t, "run", "--config", cfg)
	if res.code != 0 {
		t.Fatalf("collecting run: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if st := llm.Stats(); st.Batches != 1 || readDigest(t, dir, "2025-04-28").Stats.Judged != 81 {
		t.Errorf("%d batches; want the one, collected", st.Batches)
	}
	if res := runCLI(t, "run", "--config", cfg, "--cancel-batch"); res.code != 0 || !strings.Contains(res.stdout, "no open batch") {
		t.Errorf("--cancel-batch without a batch: exit %d\n%s", res.code, res.stdout)
	}
}

func TestRunBatchMaxWaitAndCancel(t *testing.T) {
	fastPolls(t)
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{APIKey: testKey, Batch: fakeopenai.BatchConfig{Steps: 4}})
	cfg := batchConfig(t, dir, arxiv.URL, llm.URL, "  batch_max_wait: 1ms\n")
	res := runCLI(t, "run", "--config", cfg)
	if res.code != exitIncomplete || !strings.Contains(res.stderr, "llm.batch_max_wait") {
		t.Fatalf("a batch not done within batch_max_wait: exit %d\n%s", res.code, res.stderr)
	}
	res = runCLI(t, "run", "--config", cfg, "--cancel-batch")
	if res.code != exitIncomplete {
		t.Fatalf("--cancel-batch: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	d := readDigest(t, dir, "2025-04-28")
	if st := llm.Stats(); st.Cancelled != 1 || st.Batches != 1 || d.Stats.Skipped == 0 || d.Stats.Judged+d.Stats.Skipped != 81 {
		t.Errorf("%d cancels, %d batches; digest %+v", st.Cancelled, st.Batches, d.Stats)
	}
}

func TestRunBatchUsageErrors(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{APIKey: testKey, Batch: fakeopenai.BatchConfig{Off: true}})
	live := testConfig(t, dir, arxiv.URL, llm.URL, "")
	if res := runCLI(t, "run", "--config", live, "--no-wait"); res.code != exitUsage || !strings.Contains(res.stderr, "llm.mode: batch") {
		t.Errorf("--no-wait in live mode: exit %d\n%s", res.code, res.stderr)
	}
	cfg := batchConfig(t, t.TempDir(), arxiv.URL, llm.URL, "")
	res := runCLI(t, "run", "--config", cfg)
	if res.code != exitUsage || !strings.Contains(res.stderr, "llm.mode") || !strings.Contains(res.stderr, "Batch API") {
		t.Errorf("a server without the Batch API: exit %d\n%s", res.code, res.stderr)
	}
	if st := llm.Stats(); len(st.Papers) != 0 || st.Chat != 0 {
		t.Errorf("papers were sent: %v, %d live", st.Papers, st.Chat)
	}
	check := runCLI(t, "check", "--config", cfg, "--online")
	if check.code == 0 || !strings.Contains(check.stdout, "batch FAILED") || !strings.Contains(check.stdout, "llm.mode") {
		t.Errorf("check --online: exit %d\n%s", check.code, check.stdout)
	}
}

// TestBatchKillNineAndResume kills a real run while it waits for its
// batch: the rerun finds the batch in the store and polls it on; nothing
// is submitted twice.
func TestBatchKillNineAndResume(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{APIKey: testKey})
	llm.HoldBatches(true)
	cfg := batchConfig(t, dir, arxiv.URL, llm.URL, "  batch_poll_max: 1s\n")

	p := start(t, "run", "--config", cfg)
	waitFor(t, 30*time.Second, "the batch and a poll", func() bool {
		st := llm.Stats()
		return st.Batches == 1 && st.Requests >= 6 // probe, upload, find, create, poll, poll
	})
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.wait(t, 10*time.Second)

	llm.HoldBatches(false)
	p2 := start(t, "run", "--config", cfg)
	if code := p2.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("rerun exit %d\n%s", code, p2.stderr.String())
	}
	st := llm.Stats()
	if st.Batches != 1 || st.Chat != 0 {
		t.Errorf("%d batches, %d live requests after the resume; want the one batch", st.Batches, st.Chat)
	}
	for id, n := range st.Submitted {
		if n != 1 {
			t.Errorf("%s submitted %d times", id, n)
		}
	}
	if d := readDigest(t, dir, "2025-04-28"); d.Stats.Judged != 81 || d.Incomplete {
		t.Errorf("after resume: %+v", d.Stats)
	}
	assertNoKey(t, dir, p.stdout.String()+p.stderr.String()+p2.stdout.String()+p2.stderr.String())
}

// TestBatchInterrupt: Ctrl-C while waiting leaves the batch running and
// exits 130 naming it.
func TestBatchInterrupt(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{APIKey: testKey})
	llm.HoldBatches(true)
	cfg := batchConfig(t, dir, arxiv.URL, llm.URL, "")
	p := start(t, "run", "--config", cfg)
	waitFor(t, 30*time.Second, "the batch", func() bool { return llm.Stats().Batches == 1 })
	time.Sleep(100 * time.Millisecond)
	p.cmd.Process.Signal(os.Interrupt)
	if code := p.wait(t, 10*time.Second); code != exitInterrupt {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr.String())
	}
	if msg := p.stderr.String(); !strings.Contains(msg, "batch batch_") || !strings.Contains(msg, "goes on") {
		t.Errorf("the message does not name the batch left running:\n%s", msg)
	}
	if st := llm.Stats(); st.Cancelled != 0 {
		t.Error("the batch was cancelled")
	}
}

// TestDaemonBatch: the daemon in batch mode submits at its run, returns to
// its schedule, and its polling between runs collects the batch and
// writes the day.
func TestDaemonBatch(t *testing.T) {
	fastPolls(t)
	dir := t.TempDir()
	today, feed := todaysFeed(t)
	arxiv := newFakeArxiv(t, feed)
	llm := fakeopenai.NewT(t, fakeopenai.Config{APIKey: testKey})
	llm.HoldBatches(true)
	cfg := batchConfig(t, dir, arxiv.URL, llm.URL, "  batch_poll_max: 1s\n")
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(data, []byte("schedule:\n  cron: \"0 0 1 1 *\"\n")...), 0o644)

	var stdout, stderr lockedBuffer
	sig := make(chan os.Signal, 1)
	e := &env{stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string {
			if k == "TEST_LLM_KEY" {
				return testKey
			}
			return ""
		},
		signals: func() (<-chan os.Signal, func()) { return sig, func() {} },
	}
	done := make(chan error, 1)
	go func() { done <- run(t.Context(), []string{"daemon", "--config", cfg}, e) }()
	waitFor(t, 30*time.Second, "the batch submitted", func() bool { return llm.Stats().Batches == 1 })
	if _, err := os.Stat(dir + "/digests/" + today + "/digest.json"); err == nil {
		t.Error("a digest before the batch ended")
	}
	llm.HoldBatches(false)
	waitFor(t, 30*time.Second, "the day written by the polling", func() bool {
		_, err := os.Stat(dir + "/digests/" + today + "/digest.json")
		return err == nil
	})
	sig <- syscall.SIGTERM
	select {
	case err := <-done:
		if code := exitCode(err); code != 0 {
			t.Errorf("daemon exit %d: %v\n%s", code, err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not stop")
	}
	if d := readDigest(t, dir, today); d.Stats.Judged != 81 || d.Incomplete {
		t.Errorf("digest %+v", d.Stats)
	}
	if st := llm.Stats(); st.Batches != 1 || st.Chat != 0 {
		t.Errorf("%d batches, %d live requests", st.Batches, st.Chat)
	}
	if !strings.Contains(stdout.String(), today+": ") {
		t.Errorf("the daemon did not report the day:\n%s", stdout.String())
	}
}
