package main

import (
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
