package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
)

// TestUnreadableDigestIsLogged: a day whose digest.json cannot be read
// drops out of the history pages, and the log says which day and why, both
// when a run rebuilds the history and when a failed fetch is recorded on it.
func TestUnreadableDigestIsLogged(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	broken := filepath.Join(dir, "digests", "2025-04-25")
	if err := os.MkdirAll(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "digest.json"), []byte(`{"date": "2025-04-25", "papers": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	logged := func(stderr string) bool {
		for _, line := range strings.Split(stderr, "\n") {
			if strings.Contains(line, "skip unreadable digest") && strings.Contains(line, broken) {
				return true
			}
		}
		return false
	}

	res := runCLI(t, "run", "--config", cfg)
	if res.code != 0 {
		t.Fatalf("run: exit %d\n%s", res.code, res.stderr)
	}
	if !logged(res.stderr) {
		t.Errorf("run: the unreadable digest in %s is not logged:\n%s", broken, res.stderr)
	}

	arxiv.serve(500, "text/plain", []byte("down"))
	res = runCLI(t, "run", "--config", cfg)
	if res.code != exitFailed {
		t.Fatalf("run with arXiv down: exit %d, want %d\n%s", res.code, exitFailed, res.stderr)
	}
	if !logged(res.stderr) {
		t.Errorf("failed fetch: the unreadable digest in %s is not logged:\n%s", broken, res.stderr)
	}
}
