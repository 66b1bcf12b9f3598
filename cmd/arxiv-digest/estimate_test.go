package main

import (
	"crypto/sha256"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
)

// allFiles is every file under dir with a hash of its content ("" when
// dir does not exist).
func allFiles(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	files := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files[path] = sha256.Sum256(data)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return files
}

var requestsLine = regexp.MustCompile(`a run would make ([\d,]+) model requests`)
var judgingLine = regexp.MustCompile(`judging: ([\d,]+) requests, ([\d,]+) input tokens`)

func number(t *testing.T, re *regexp.Regexp, out string, group int) int {
	t.Helper()
	m := re.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %s in:\n%s", re, out)
	}
	n, err := strconv.Atoi(strings.ReplaceAll(m[group], ",", ""))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDryRun: run --dry-run makes no model request and writes nothing,
// before the first run (no store) and after it; its count of input tokens
// is that of the prompts the run then sends, counted with the same
// tokenizer from the bodies the server received (tolerance: 1%; the
// count is the same by construction, the tolerance only allows for a
// change of the wire format that the count should follow); with a filter,
// fetch --estimate agrees with it.
func TestDryRun(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	var mu sync.Mutex
	var bodies []string
	llm := fakeopenai.NewT(t, fakeopenai.Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		body := peekBody(r)
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
		return false
	}})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")

	res := runCLIEnv(t, map[string]string{"TEST_LLM_KEY": ""}, "run", "--config", cfg, "--dry-run")
	if res.code != 0 {
		t.Fatalf("dry run: exit %d: %s", res.code, res.stderr)
	}
	if llm.Stats().Requests != 0 {
		t.Fatal("the dry run called the model")
	}
	if files := allFiles(t, dir); len(files) != 1 { // config.yaml alone
		t.Errorf("the dry run wrote %v", files)
	}
	if got := number(t, requestsLine, res.stdout, 1); got != 81 {
		t.Errorf("dry run: %d requests, want 81:\n%s", got, res.stdout)
	}
	for _, want := range []string{"o200k_base", "live", "with the Batch API", "a default (no request by gpt-5-mini in this store yet)"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, res.stdout)
		}
	}
	estimated := number(t, judgingLine, res.stdout, 2)

	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("run: exit %d: %s", res.code, res.stderr)
	}
	tk := classify.NewTokenizer("gpt-5-mini")
	sent := 0
	for _, b := range bodies {
		n, err := tk.BodyTokens([]byte(b))
		if err != nil {
			t.Fatal(err)
		}
		sent += n
	}
	if len(bodies) != 81 || float64(abs(estimated-sent)) > 0.01*float64(sent) {
		t.Errorf("dry run counted %d input tokens; the run sent %d requests of %d tokens", estimated, len(bodies), sent)
	}
	t.Logf("input tokens: dry run %d, sent %d in %d requests\n%s", estimated, sent, len(bodies), res.stdout)

	// After the run: the store is read, not written; nothing is asked.
	before := allFiles(t, dir)
	requests := llm.Stats().Requests
	res = runCLI(t, "run", "--config", cfg, "--dry-run")
	if res.code != 0 || number(t, requestsLine, res.stdout, 1) != 0 || !strings.Contains(res.stdout, "81 judged already") {
		t.Errorf("dry run of a done day: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "this store's history") {
		t.Errorf("output tokens not from the store's history:\n%s", res.stdout)
	}
	after := allFiles(t, dir)
	if llm.Stats().Requests != requests || len(after) != len(before) {
		t.Errorf("the dry run asked or wrote: %d requests, files %d -> %d", llm.Stats().Requests-requests, len(before), len(after))
	}
	for path, h := range before {
		if after[path] != h {
			t.Errorf("the dry run changed %s", path)
		}
	}

	// With a filter, fetch --estimate and run --dry-run agree, and count
	// only the papers it lets through that are not judged yet.
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(data), "  - name: Error correction\n    description: Quantum error correction and fault tolerance\n",
		"  - name: Error correction\n    description: Quantum error correction and fault tolerance\n  - name: Sensing\n    description: Quantum sensing and metrology\n", 1)+filterConfig), 0o644)
	dry := runCLI(t, "run", "--config", cfg, "--dry-run")
	est := runCLI(t, "fetch", "--config", cfg, "--estimate")
	if dry.code != 0 || est.code != 0 {
		t.Fatalf("exit %d and %d: %s%s", dry.code, est.code, dry.stderr, est.stderr)
	}
	n := number(t, requestsLine, dry.stdout, 1)
	if n == 0 || n >= 81 || n != number(t, requestsLine, est.stdout, 1) || !strings.Contains(dry.stdout, "left out by the filter") {
		t.Errorf("with a filter and a new topic: dry run\n%s\nfetch --estimate\n%s", dry.stdout, est.stdout)
	}
	if llm.Stats().Requests != requests {
		t.Error("an estimate called the model")
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
