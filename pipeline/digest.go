package pipeline

import (
	"context"
	"slices"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// Digest builds a stored day's digest from the store alone: the day's papers
// as announced, the judgements stored for the run's topics and model, and
// the recorded reasons of papers that were not judged. Papers are selected
// at the config's threshold, or at threshold when it is set and differs (a
// preview, marked as such).
func (r *Runner) Digest(ctx context.Context, date string, threshold *float64) (model.Digest, error) {
	run, dayPapers, err := r.Store.Run(ctx, date)
	if err != nil {
		return model.Digest{}, err
	}
	th, preview := r.Config.Threshold, false
	if threshold != nil && *threshold != th {
		th, preview = *threshold, true
	}
	papers := make([]model.Paper, len(dayPapers))
	for i, dp := range dayPapers {
		papers[i] = dp.Paper
	}
	known, err := r.Store.Known(ctx, papers, run.Topics, relevanceKeys(run.Model))
	if err != nil {
		return model.Digest{}, err
	}
	// Which papers were filtered is the run's record; who is followed is
	// the config's now (it only decides where a paper is shown).
	flt, err := r.paperFilter()
	if err != nil {
		return model.Digest{}, err
	}
	outcomes := make(map[string]model.Outcome, len(dayPapers))
	for _, dp := range dayPapers {
		followed := flt.Followed(dp.Paper)
		if dp.Status == model.StatusFiltered {
			outcomes[dp.Paper.ID] = model.Outcome{Status: model.StatusFiltered, Error: dp.Error, Followed: followed}
			continue
		}
		scores := make([]model.Score, 0, len(run.Topics))
		for _, t := range run.Topics {
			if s, ok := known.Score(dp.Paper.ID, t.Name); ok {
				scores = append(scores, s)
			}
		}
		switch {
		case len(scores) == len(run.Topics):
			outcomes[dp.Paper.ID] = model.Outcome{Status: model.StatusJudged, Scores: scores, Followed: followed}
		case dp.Status == model.StatusFailed || dp.Status == model.StatusSkipped:
			outcomes[dp.Paper.ID] = model.Outcome{Status: dp.Status, Error: dp.Error, Followed: followed}
		default:
			outcomes[dp.Paper.ID] = model.Outcome{Status: model.StatusSkipped, Error: "not judged yet", Followed: followed}
		}
	}
	d := model.Digest{
		Date: run.Date, Categories: run.Categories, Topics: run.Topics, Model: run.Model, Threshold: th,
		ThresholdPreview: preview, MaxPerTopic: r.Config.Output.MaxPerTopic, Source: run.Source, GeneratedAt: r.now().UTC().Format("2006-01-02T15:04:05Z07:00"),
		NoAnnouncements: run.NoAnnouncements, Incomplete: run.Error != "" || run.Status == store.RunRunning,
		RunError: run.Error,
	}
	d = model.Build(d, papers, outcomes)
	if err := r.addTLDRs(ctx, &d, papers, run.Model); err != nil {
		return model.Digest{}, err
	}
	if run.Announced != nil { // else a run of an older version: what was kept is all we know
		d.Stats.Fetched, d.Stats.ByAnnounce = sum(run.Announced), run.Announced
	}
	d.Stats.Tokens = run.Usage
	if cost, ok := r.cost(run.Model, run.Usage); ok {
		d.Stats.CostUSD = &cost
	}
	deliveries, err := r.Store.Deliveries(ctx, date)
	if err != nil {
		return model.Digest{}, err
	}
	for _, dl := range deliveries {
		if dl.State == store.DeliveryFailed {
			d.Undelivered = append(d.Undelivered, model.Undelivered{Target: dl.Target, Error: dl.Error})
		}
	}
	slices.SortFunc(d.Undelivered, func(a, b model.Undelivered) int { return strings.Compare(a.Target, b.Target) })
	return d, nil
}

// cost estimates what usage of model cost: at the config's price when the
// day was judged with the configured model, else from the built-in table.
func (r *Runner) cost(llm string, u model.Usage) (float64, bool) {
	p, ok := classify.LookupPrice(llm)
	if pp := r.Config.LLM.PricePerMillion; pp != nil && llm == r.Config.LLM.Model {
		p, ok = *pp, true
	}
	if !ok {
		return 0, false
	}
	return p.Cost(u), true
}

// addTLDRs puts the stored TL;DRs on d's entries and counts the selected
// papers whose TL;DR could not be written (Stats.TLDRFailed). Papers
// selected only at a previewed threshold have none, and no failure: they
// get theirs from the next run.
func (r *Runner) addTLDRs(ctx context.Context, d *model.Digest, papers []model.Paper, llm string) error {
	st, err := r.tldrs(ctx, d.Date, llm, papers)
	if err != nil {
		return err
	}
	for i := range d.Papers {
		e := &d.Papers[i]
		if e.Status == model.StatusFiltered {
			continue // never judged here: no TL;DR is shown for it
		}
		e.TLDR = st.text[e.ID]
		if _, failed := st.failures[e.ID]; failed && e.TLDR == "" && len(e.SelectedTopics) > 0 {
			d.Stats.TLDRFailed++
		}
	}
	return nil
}
