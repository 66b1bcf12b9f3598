package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// tldrTask is the store's name of the TL;DR task's answers and failures.
const tldrTask = "tldr"

// maxTLDRRuns is how many runs may fail to get a paper's TL;DR before
// later runs stop asking (until --force): a TL;DR that a model refuses
// again and again must not be paid for by every run of a fast cron.
const maxTLDRRuns = 2

// tldrState is what the store holds of a day's TL;DRs: the stored ones by
// paper id, and the recorded failures.
type tldrState struct {
	text     map[string]string
	failures map[string]store.AnswerFailure
}

// tldrKey is the cache key of p's TL;DR by llm, in the config's language
// and length.
func (r *Runner) tldrKey(p model.Paper, llm string) string {
	return classify.TLDRKey(p, llm, r.Config.TLDR.Language, r.Config.TLDR.MaxWords)
}

// tldrTaskOf is the TL;DR task as the config sets it.
func (r *Runner) tldrTaskOf() classify.TLDR {
	return classify.TLDR{Language: r.Config.TLDR.Language, MaxWords: r.Config.TLDR.MaxWords, Topics: r.Config.ModelTopics()}
}

// tldrs reads the stored TL;DRs of papers (by llm) and the date's failures.
func (r *Runner) tldrs(ctx context.Context, date, llm string, papers []model.Paper) (tldrState, error) {
	st := tldrState{text: map[string]string{}}
	if !r.Config.TLDR.Enabled || len(papers) == 0 {
		return st, nil
	}
	keys := make([]string, len(papers))
	for i, p := range papers {
		keys[i] = r.tldrKey(p, llm)
	}
	stored, err := r.Store.Answers(ctx, keys)
	if err != nil {
		return st, err
	}
	for i, p := range papers {
		if t, ok := stored[keys[i]]; ok {
			st.text[p.ID] = t
		}
	}
	st.failures, err = r.Store.AnswerFailures(ctx, date, tldrTask)
	return st, err
}

// needsTLDR is the papers selected at the config's threshold (known holds
// their scores) that have no TL;DR and may still be asked for one.
func (r *Runner) needsTLDR(st tldrState, papers []model.Paper, known store.Known, force bool) []model.Paper {
	if !r.Config.TLDR.Enabled {
		return nil
	}
	var out []model.Paper
	for _, p := range papers {
		if _, ok := st.text[p.ID]; ok || !r.selected(p, known) {
			continue
		}
		if f, failed := st.failures[p.ID]; failed && f.Runs >= maxTLDRRuns && !force {
			continue
		}
		out = append(out, p)
	}
	return out
}

// selected reports whether p scores at least the config's threshold for
// one of the config's topics.
func (r *Runner) selected(p model.Paper, known store.Known) bool {
	for _, t := range r.Config.Topics {
		if s, ok := known.Score(p.ID, t.Name); ok && s.Relevance >= r.Config.Threshold {
			return true
		}
	}
	return false
}

// writeTLDRs is the TL;DR pass: every selected paper without a TL;DR gets
// one, committed as it arrives. A TL;DR that cannot be written is recorded
// with the reason and never fails the paper or the day; the run's error is
// only what stops the pass (a fatal API error, the budget, an
// interruption, the store).
func (r *Runner) writeTLDRs(ctx context.Context, engine func() (*classify.Engine, error), date string, papers []model.Paper, force bool, res *Result) error {
	if !r.Config.TLDR.Enabled {
		return nil
	}
	llm := r.Config.LLM.Model
	known, err := r.known(ctx, papers, r.Config.ModelTopics())
	if err != nil {
		return err
	}
	st, err := r.tldrs(ctx, date, llm, papers)
	if err != nil {
		return err
	}
	jobs := r.needsTLDR(st, papers, known, force)
	r.logger().Info("writing TL;DRs", "date", date, "to_write", len(jobs), "stored", len(st.text))
	if len(jobs) == 0 {
		return nil
	}
	eng, err := engine()
	if err != nil {
		return err
	}
	if r.Progress != nil {
		r.Progress.Start("tl;dr", len(jobs))
		defer r.Progress.Finish()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sv := newSaver(context.WithoutCancel(ctx), r.Store, len(jobs), func() error { return nil }, func(err error) { cancel(err) })
	runErr := classify.Run(ctx, eng, r.tldrTaskOf(), jobs, func(cr classify.Result[model.Paper, string]) {
		res.Usage.Add(cr.Usage)
		res.Requests += cr.Usage.Requests
		if cr.Status == model.StatusJudged {
			sv.add(r.Store.Answer(date, cr.Input.ID, tldrTask, r.tldrKey(cr.Input, llm), cr.Value, cr.Usage))
		} else {
			reason := "not written"
			if cr.Err != nil {
				reason = cr.Err.Error()
			}
			sv.add(r.Store.AnswerFailure(date, cr.Input.ID, tldrTask, reason, cr.Usage))
		}
		if r.Progress != nil {
			r.Progress.Done(cr.Status)
		}
	})
	if err := sv.close(); err != nil {
		return fmt.Errorf("save TL;DRs: %w", err)
	}
	if runErr != nil && (errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded)) {
		return fmt.Errorf("%w: %w", ErrInterrupted, runErr)
	}
	return runErr
}
