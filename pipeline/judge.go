package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// relevanceKeys is the cache keys of judgements by llm.
func relevanceKeys(llm string) func(model.Paper, []model.Topic) []string {
	return func(p model.Paper, t []model.Topic) []string { return classify.RelevanceKeys(p, t, llm) }
}

// known is what the store holds of papers' judgements against topics by
// the configured model.
func (r *Runner) known(ctx context.Context, papers []model.Paper, topics []model.Topic) (store.Known, error) {
	return r.Store.Known(ctx, papers, topics, relevanceKeys(r.Config.LLM.Model))
}

// judgeJobs is the judgements a run asks for: each paper against the
// topics the store has no score of it for (known).
func judgeJobs(papers []model.Paper, topics []model.Topic, known store.Known) []classify.Judgement {
	var jobs []classify.Judgement
	for _, p := range papers {
		if missing := known.Missing(p.ID, topics); len(missing) > 0 {
			jobs = append(jobs, classify.Judgement{Paper: p, Topics: missing})
		}
	}
	return jobs
}

// judge asks the model about every (paper, topic) the store does not know
// yet (known), committing each paper's answer the moment it arrives.
func (r *Runner) judge(ctx context.Context, engine func() (*classify.Engine, error), recorded func() error, date string, papers []model.Paper, topics []model.Topic, known store.Known, res *Result) error {
	jobs := judgeJobs(papers, topics, known)
	r.logger().Info("judging", "date", date, "papers", len(papers), "to_judge", len(jobs))
	if len(jobs) == 0 {
		return nil
	}
	eng, err := engine()
	if err != nil {
		return err
	}
	if r.Progress != nil {
		r.Progress.Start("judging", len(jobs))
		defer r.Progress.Finish()
	}

	// A judgement the store cannot save must not be paid for again and
	// again: the first store error stops the run.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sv := newSaver(context.WithoutCancel(ctx), r.Store, len(jobs), recorded, func(err error) { cancel(err) })
	keys := relevanceKeys(r.Config.LLM.Model)
	runErr := classify.Run(ctx, eng, classify.NewRelevance(), jobs, func(cr classify.Result[classify.Judgement, []model.Score]) {
		res.Usage.Add(cr.Usage)
		res.Requests += cr.Usage.Requests
		sv.add(r.judgementWrite(date, keys, cr))
		if r.Progress != nil {
			r.Progress.Done(cr.Status)
		}
	})
	if err := sv.close(); err != nil {
		return fmt.Errorf("save judgements: %w", err)
	}
	if runErr != nil && (errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded)) {
		return fmt.Errorf("%w: %w", ErrInterrupted, runErr)
	}
	return runErr
}

// judgementWrite is the store write of one judgement's result.
func (r *Runner) judgementWrite(date string, keysOf func(model.Paper, []model.Topic) []string, cr classify.Result[classify.Judgement, []model.Score]) store.Write {
	p := cr.Input.Paper
	if cr.Status != model.StatusJudged {
		reason := "not judged"
		if cr.Err != nil {
			reason = cr.Err.Error()
		}
		return r.Store.Outcome(date, p.ID, cr.Status, reason, cr.Usage)
	}
	keys := keysOf(p, cr.Input.Topics)
	scores := make(map[string]model.Score, len(cr.Value))
	for i, s := range cr.Value {
		scores[keys[i]] = s
	}
	return r.Store.Judged(date, p.ID, scores, true, cr.Usage)
}
