package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
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
