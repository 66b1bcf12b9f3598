package pipeline

import (
	"fmt"

	"github.com/arxiv-digest/arxiv-digest/filter"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// paperFilter is the config's filter.
func (r *Runner) paperFilter() (*filter.Filter, error) {
	f, err := r.Config.PaperFilter()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return f, nil
}

// filterDay applies the config's filter to a day's papers: the papers to
// judge, in order, and the papers it leaves out with the rule that did.
// The decision is recorded with the day's list (store.Run.Filtered), so
// that the digest, rebuilt from the store by `render`, shows what the run
// did whatever the config says later; a `run` whose filter decides
// otherwise redoes the day (sameFilter).
func (r *Runner) filterDay(papers []model.Paper) ([]model.Paper, map[string]string, error) {
	f, err := r.paperFilter()
	if err != nil {
		return nil, nil, err
	}
	if f.Empty() {
		return papers, nil, nil
	}
	judge := make([]model.Paper, 0, len(papers))
	filtered := map[string]string{}
	for _, p := range papers {
		if d := f.Decide(p); d.Filtered {
			filtered[p.ID] = d.Reason
		} else {
			judge = append(judge, p)
		}
	}
	return judge, filtered, nil
}

// sameFilter reports whether the day's stored list holds the decisions
// the config's filter makes now: which papers are filtered, and why.
func (r *Runner) sameFilter(day []store.DayPaper) (bool, error) {
	f, err := r.paperFilter()
	if err != nil {
		return false, err
	}
	for _, dp := range day {
		d := f.Decide(dp.Paper)
		if d.Filtered != (dp.Status == model.StatusFiltered) || d.Filtered && d.Reason != dp.Error {
			return false, nil
		}
	}
	return true, nil
}

// unfiltered is the papers of a stored day's list that were not filtered.
func unfiltered(day []store.DayPaper) []model.Paper {
	out := make([]model.Paper, 0, len(day))
	for _, dp := range day {
		if dp.Status != model.StatusFiltered {
			out = append(out, dp.Paper)
		}
	}
	return out
}
