package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
)

// TestEveryErrorLineIsPrefixed: a config with several mistakes is reported
// one mistake a line, and every line names the program, as main prints it.
func TestEveryErrorLineIsPrefixed(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir, "http://127.0.0.1:1", "http://127.0.0.1:1/v1", "schedule:\n  retries: -1\nlog:\n  level: loud\n")
	res := runCLI(t, "check", "--config", cfg)
	if res.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", res.code, res.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
	if len(lines) != 2 {
		t.Errorf("want one line per mistake (2), got %d:\n%s", len(lines), res.stderr)
	}
	for _, line := range lines {
		if !strings.HasPrefix(line, "arxiv-digest: "+cfg+": line ") {
			t.Errorf("line %q does not start with the program, the file and the line", line)
		}
	}
}

// TestPastedKeyIsNeverPrinted: a key written where the variable's name
// belongs is a config error (exit 2), and no command prints it back.
func TestPastedKeyIsNeverPrinted(t *testing.T) {
	const pasted = "sk-proj-Zq7Xw2Vu9Ts4Rp1On6Ml3Kj8Ih5Gf0Ed"
	dir := t.TempDir()
	cfg := testConfig(t, dir, "http://127.0.0.1:1", "http://127.0.0.1:1/v1", "")
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, bytes.Replace(data, []byte("api_key_env: TEST_LLM_KEY"), []byte("api_key_env: "+pasted), 1), 0o644)
	for _, args := range [][]string{{"check"}, {"check", "--online"}, {"run"}, {"fetch"}} {
		res := runCLI(t, append(args, "--config", cfg)...)
		if res.code != 2 {
			t.Errorf("%s: exit %d, want 2\n%s", args, res.code, res.stderr)
		}
		if strings.Contains(res.stdout+res.stderr, "Zq7Xw2Vu9Ts4") {
			t.Errorf("%s printed the pasted key:\n%s%s", args, res.stdout, res.stderr)
		}
		if !strings.Contains(res.stderr, "llm.api_key_env: must name an environment variable, e.g. OPENAI_API_KEY; it looks like a key was pasted here") {
			t.Errorf("%s: stderr %q", args, res.stderr)
		}
	}
}

// withKeyFile points the config at a key file holding content.
func withKeyFile(t *testing.T, cfg, content string) string {
	t.Helper()
	file := filepath.Join(filepath.Dir(cfg), "openai.key")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, bytes.Replace(data, []byte("api_key_env: TEST_LLM_KEY"), []byte("api_key_file: "+file), 1), 0o644)
	return file
}

// TestKeyFileWithTwoLines: a key file with a second line is a config error
// (exit 2) before any request, not a run of requests that never leave.
func TestKeyFileWithTwoLines(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	file := withKeyFile(t, cfg, testKey+"\r\n"+testKey+"\r\n")
	for _, args := range [][]string{{"run"}, {"check"}, {"check", "--online"}} {
		res := runCLI(t, append(args, "--config", cfg)...)
		want := "arxiv-digest: llm.api_key_file: unusable API key: the key read from " + file + " contains a line break"
		if res.code != 2 || !strings.Contains(res.stderr, want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", args, res.code, res.stderr, want)
		}
		if strings.Contains(res.stdout+res.stderr, testKey) {
			t.Errorf("%s printed the key", args)
		}
		if args[0] == "check" && !strings.Contains(res.stdout, "# API key: UNUSABLE (") {
			t.Errorf("%s: stdout does not say the key is unusable:\n%s", args, res.stdout)
		}
	}
	if n := llm.Stats().Requests; n != 0 {
		t.Errorf("%d requests reached the model server, want none", n)
	}
}

// TestKeyFileFromWindows: a key file written on Windows (a byte-order mark,
// CRLF) works: the fake server accepts only the exact key.
func TestKeyFileFromWindows(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{Model: "gpt-5-mini", APIKey: testKey})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	withKeyFile(t, cfg, "\ufeff"+testKey+"\r\n")
	res := runCLI(t, "check", "--config", cfg, "--online")
	if res.code != 0 || !strings.Contains(res.stdout, "model ok") {
		t.Errorf("check --online: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestOutputDirIsAFile: output.dir naming a file is a config error (exit 2)
// with its line, found before anything is fetched.
func TestOutputDirIsAFile(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
	if err := os.WriteFile(filepath.Join(dir, "digests"), []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, "run", "--config", cfg)
	data, _ := os.ReadFile(cfg)
	line := 1 + strings.Count(string(data[:strings.Index(string(data), "  dir: ")]), "\n")
	want := fmt.Sprintf("arxiv-digest: %s: line %d: output.dir: %s is a file, not a folder", cfg, line, filepath.Join(dir, "digests"))
	if res.code != 2 || strings.TrimSpace(res.stderr) != want {
		t.Errorf("exit %d, stderr %q; want 2 and %q", res.code, res.stderr, want)
	}
	if arxiv.hits.Load() != 0 || llm.Stats().Requests != 0 {
		t.Errorf("%d feed and %d model requests before the config error", arxiv.hits.Load(), llm.Stats().Requests)
	}
}
