package store

import (
	"context"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// TestCrashLosesNoCommit kills a writing process with SIGKILL in the middle
// of its work, for real, and checks that every commit it reported survived,
// that usage and judgements were committed together, that the file is
// intact, and that the next run pays only for what is missing.
func TestCrashLosesNoCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	path := t.TempDir() + "/digest.db"
	const date, total, killAfter = "2025-04-23", 400, 50

	// Run 1: killed after it reported killAfter commits.
	cmd := helperCommand(t, path, date, total)
	lines := helperLines(t, cmd)
	saved := map[string]bool{}
	for len(saved) < killAfter && lines.Scan() {
		if id, ok := strings.CutPrefix(lines.Text(), "saved "); ok {
			saved[id] = true
		}
	}
	if len(saved) < killAfter {
		t.Fatalf("child stopped after %d commits: %v; stderr: %s", len(saved), lines.Err(), cmd.Stderr)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	var check string
	if err := s.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	run, day, err := s.Run(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != RunRunning {
		t.Errorf("killed run has status %q, want it still running", run.Status)
	}
	judged := 0
	for _, dp := range day {
		if dp.Status == model.StatusJudged {
			judged++
		}
		if saved[dp.Paper.ID] && dp.Status != model.StatusJudged {
			t.Errorf("paper %s was reported saved but is %q", dp.Paper.ID, dp.Status)
		}
	}
	for id := range saved {
		want := scoresFor(testPapers(total)[paperIndex(t, id)], 0.75)
		keys := make([]string, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		got, err := lookupScores(ctx, s.db, keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("paper %s was reported saved but has %d of %d scores", id, len(got), len(want))
		}
	}
	// Usage is committed in the same transaction as the judgements.
	if run.Usage.Requests != int64(judged) || run.Usage.Prompt != int64(judged)*500 {
		t.Errorf("usage %+v for %d judged papers: usage and judgements not committed together", run.Usage, judged)
	}
	if judged >= total {
		t.Fatalf("child finished all %d papers before the kill; the test proved nothing", total)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Run 2 to completion: it must not pay again for anything run 1 committed.
	cmd = helperCommand(t, path, date, total)
	lines = helperLines(t, cmd)
	paid, cached, done := 0, 0, false
	for lines.Scan() {
		line := lines.Text()
		switch {
		case strings.HasPrefix(line, "saved "):
			paid++
			if id := strings.TrimPrefix(line, "saved "); saved[id] {
				t.Errorf("paper %s paid for twice", id)
			}
		case strings.HasPrefix(line, "cached "):
			cached++
		case line == "done":
			done = true
		}
	}
	if err := cmd.Wait(); err != nil || !done {
		t.Fatalf("second run: %v, done=%v; stderr: %s", err, done, cmd.Stderr)
	}
	if cached != judged || paid != total-judged {
		t.Errorf("second run cached %d and paid %d, want %d and %d", cached, paid, judged, total-judged)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run, _, err = s.Run(ctx, date)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != RunComplete || run.Usage.Requests != total {
		t.Errorf("after both runs: status %q, %d requests, want complete and %d (one per paper)", run.Status, run.Usage.Requests, total)
	}
}

func paperIndex(t *testing.T, id string) int {
	t.Helper()
	for i, p := range testPapers(400) {
		if p.ID == id {
			return i
		}
	}
	t.Fatalf("unknown paper %s", id)
	return -1
}
