package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
)

// TestStoreFromBeforeTheEngineReshaping opens a store written by the
// version before the engine served several tasks (testdata/README.md) and
// pays nothing for the judgements it holds: relevance judging keeps its
// prompt, schema, cache keys and version.
func TestStoreFromBeforeTheEngineReshaping(t *testing.T) {
	dir := t.TempDir()
	copyV2Store(t, dir)
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")

	for _, args := range [][]string{{"run"}, {"run", "--force"}, {"render", "--all"}} {
		res := runCLI(t, append(args, "--config", cfg)...)
		if res.code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
		}
	}
	if n := llm.Stats().Requests; n != 0 {
		t.Errorf("%d model requests for judgements the old store holds", n)
	}
	d := readDigest(t, dir, "2025-04-28")
	if d.Stats.Judged != 81 || d.Stats.Selected == 0 {
		t.Errorf("digest from the old store: %+v", d.Stats)
	}
}

// copyV2Store puts the store an older version wrote (schema 2,
// testdata/README.md) where a testConfig of dir keeps its store.
func copyV2Store(t testing.TB, dir string) {
	t.Helper()
	db, err := os.ReadFile("testdata/store-v2-quant-ph.db")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "digests"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "digests", "arxiv-digest.db"), db, 0o644); err != nil {
		t.Fatal(err)
	}
}
