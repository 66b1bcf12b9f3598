package store

import (
	"context"
	"errors"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

func TestAnswers(t *testing.T) {
	ctx := context.Background()
	_, path := openTest(t)
	s, err := Open(ctx, path, WithStream("."))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := testRun("2025-04-23")
	papers := testPapers(3)
	if err := s.BeginRun(ctx, r, papers, nil); err != nil {
		t.Fatal(err)
	}
	k0, k1 := testKey(papers[0], model.Topic{Name: "tldr"}, testModel, "1"), testKey(papers[1], model.Topic{Name: "tldr"}, testModel, "1")

	var f map[string]AnswerFailure
	// A failure, then another run's failure, then the answer.
	for range 2 {
		if err := s.SaveAnswerFailure(ctx, r.Date, papers[0].ID, "tldr", "invalid answer: empty TL;DR", model.Usage{Requests: 2, Prompt: 10}); err != nil {
			t.Fatal(err)
		}
	}
	f, err = s.AnswerFailures(ctx, r.Date, "tldr")
	if err != nil || len(f) != 1 || f[papers[0].ID].Runs != 2 || f[papers[0].ID].Reason != "invalid answer: empty TL;DR" {
		t.Fatalf("failures = %v, %v", f, err)
	}
	if err := s.SaveAnswer(ctx, r.Date, papers[0].ID, "tldr", k0, "It works.", model.Usage{Requests: 1, Prompt: 5}); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.AnswerFailures(ctx, r.Date, "tldr"); len(f) != 0 {
		t.Errorf("failure kept after the answer: %v", f)
	}
	got, err := s.Answers(ctx, []string{k0, k1})
	if err != nil || len(got) != 1 || got[k0] != "It works." {
		t.Errorf("Answers = %v, %v", got, err)
	}
	run, _, _ := s.Run(ctx, r.Date)
	if run.Usage.Requests != 5 || run.Usage.Prompt != 25 {
		t.Errorf("usage %+v: every attempt is counted", run.Usage)
	}

	// Answers are shared by streams, failures are the day's.
	other, err := Open(ctx, path, WithStream("../other"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if got, _ := other.Answers(ctx, []string{k0}); got[k0] != "It works." {
		t.Errorf("another stream does not see the stored answer")
	}
	if err := other.SaveAnswer(ctx, r.Date, papers[0].ID, "tldr", k0, "x", model.Usage{}); !errors.Is(err, ErrNoRun) {
		t.Errorf("an answer for a day the stream does not have: %v", err)
	}
	if err := s.SaveAnswer(ctx, r.Date, "9999.99999", "tldr", k1, "x", model.Usage{}); !errors.Is(err, ErrUnknownPaper) {
		t.Errorf("an answer for a paper not in the day: %v", err)
	}
}
