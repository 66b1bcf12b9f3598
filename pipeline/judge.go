package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// judge asks the model about every (paper, topic) the store does not know
// yet, committing each paper's answer the moment it arrives.
func (r *Runner) judge(ctx context.Context, date string, papers []model.Paper, topics []model.Topic, res *Result) error {
	llm := r.Config.LLM.Model
	keys := make([]string, 0, len(papers)*len(topics))
	for _, p := range papers {
		for _, t := range topics {
			keys = append(keys, store.Key(p, t, llm, classify.PromptVersion))
		}
	}
	known, err := r.Store.Scores(ctx, keys)
	if err != nil {
		return err
	}
	var jobs []classify.Job
	for _, p := range papers {
		var missing []model.Topic
		for _, t := range topics {
			if _, ok := known[store.Key(p, t, llm, classify.PromptVersion)]; !ok {
				missing = append(missing, t)
			}
		}
		if len(missing) > 0 {
			jobs = append(jobs, classify.Job{Paper: p, Topics: missing})
		} else if err := r.Store.SaveJudged(ctx, date, p.ID, nil, true, model.Usage{}); err != nil {
			return err // every topic already known: judged without a request
		}
	}
	r.logger().Info("judging", "date", date, "papers", len(papers), "to_judge", len(jobs),
		"known_judgements", len(known))
	if len(jobs) == 0 {
		return nil
	}
	judge, err := r.NewJudge()
	if err != nil {
		return err
	}
	if r.Progress != nil {
		r.Progress.Start(len(jobs))
		defer r.Progress.Finish()
	}

	// A judgement the store cannot save must not be paid for again and
	// again: the first store error stops the run.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	saveCtx := context.WithoutCancel(ctx)
	var saveErr error
	runErr := judge.Run(ctx, jobs, func(cr classify.Result) {
		res.Usage.Add(cr.Usage)
		res.Requests += cr.Usage.Requests
		if err := r.save(saveCtx, date, llm, cr); err != nil && saveErr == nil {
			saveErr = fmt.Errorf("save judgement of %s: %w", cr.Job.Paper.ID, err)
			cancel(saveErr)
		}
		if r.Progress != nil {
			r.Progress.Done(cr.Status)
		}
	})
	if saveErr != nil {
		return saveErr
	}
	if runErr != nil && (errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded)) {
		return fmt.Errorf("%w: %w", ErrInterrupted, runErr)
	}
	return runErr
}

func (r *Runner) save(ctx context.Context, date, llm string, cr classify.Result) error {
	p := cr.Job.Paper
	if cr.Status != model.StatusJudged {
		reason := "not judged"
		if cr.Err != nil {
			reason = cr.Err.Error()
		}
		return r.Store.SaveOutcome(ctx, date, p.ID, cr.Status, reason, cr.Usage)
	}
	scores := make(map[string]model.Score, len(cr.Scores))
	for i, s := range cr.Scores {
		scores[store.Key(p, cr.Job.Topics[i], llm, classify.PromptVersion)] = s
	}
	return r.Store.SaveJudged(ctx, date, p.ID, scores, true, cr.Usage)
}
