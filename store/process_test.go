package store

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// The helper process: a child copy of the test binary that plays one
// arxiv-digest process writing to the store. It is configured through the
// environment and reports each commit on stdout.
const (
	envHelper = "STORE_TEST_HELPER" // mode: "judge"
	envDB     = "STORE_TEST_DB"
	envDate   = "STORE_TEST_DATE"
	envPapers = "STORE_TEST_PAPERS" // how many papers the day has
)

// TestHelperProcess is not a test: it runs only as the child of
// helperCommand. Like the pipeline, it begins the date's run, asks the
// store which judgements it already has, and "judges" only the papers that
// lack some, committing each paper as soon as it is judged. It prints
// "cached ID" for a paper it did not pay for and "saved ID" after each
// commit, then "done".
func TestHelperProcess(t *testing.T) {
	if os.Getenv(envHelper) == "" {
		t.Skip("helper process for the crash and multi-process tests")
	}
	if err := helperJudge(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

func helperJudge(ctx context.Context, out io.Writer) error {
	n, err := strconv.Atoi(os.Getenv(envPapers))
	if err != nil {
		return err
	}
	date := os.Getenv(envDate)
	s, err := Open(ctx, os.Getenv(envDB))
	if err != nil {
		return err
	}
	defer s.Close()
	papers := testPapers(n)
	r := testRun(date)
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		return err
	}
	for _, p := range papers {
		want := scoresFor(p, 0.75)
		keys := make([]string, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		have, err := lookupScores(ctx, s.db, keys)
		if err != nil {
			return err
		}
		if len(have) == len(want) {
			fmt.Fprintln(out, "cached", p.ID)
			continue
		}
		if err := s.SaveJudged(ctx, date, p.ID, want, true, model.Usage{Prompt: 500, Completion: 40, Requests: 1}); err != nil {
			return err
		}
		fmt.Fprintln(out, "saved", p.ID)
	}
	if err := s.FinishRun(ctx, date, RunComplete, "", nil); err != nil {
		return err
	}
	fmt.Fprintln(out, "done")
	return nil
}

// helperCommand prepares a child process judging papers of date in the
// store at path.
func helperCommand(t *testing.T, path, date string, papers int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		envHelper+"=judge", envDB+"="+path, envDate+"="+date, envPapers+"="+strconv.Itoa(papers))
	cmd.Stderr = &strings.Builder{}
	return cmd
}

// helperLines starts cmd and returns a scanner over its stdout.
func helperLines(t *testing.T, cmd *exec.Cmd) *bufio.Scanner {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Never leave a child behind when the test fails half-way.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return bufio.NewScanner(stdout)
}
