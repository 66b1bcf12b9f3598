package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

func newRenderCmd(e *env) *cobra.Command {
	var (
		f         configFlags
		date      string
		all       bool
		threshold float64
	)
	c := &cobra.Command{
		Use:   "render",
		Short: "Rebuild digests from stored judgements, with no model request",
		Long: `Rebuild a day's digest.md, digest.html and digest.json (and the index and feed)
from the judgements in the store, without asking the model anything: to pick
up a changed threshold in the config or a newer page design, or to preview
with --threshold what another threshold would select. A preview is only a
preview: the page says so, and the next run or render of the day goes back
to the config's threshold. Without --date it rebuilds the newest stored day.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			// Everything the flags say is checked before anything is written.
			if date != "" && all {
				return usageError(fmt.Errorf("use --date or --all, not both"))
			}
			if date != "" && !model.ValidDate(date) {
				return usageError(fmt.Errorf("--date %q is not a date: write it YYYY-MM-DD", date))
			}
			var th *float64
			if c.Flags().Changed("threshold") {
				if err := config.CheckThreshold(threshold); err != nil {
					return usageError(fmt.Errorf("--threshold: %w", err))
				}
				th = &threshold
			}
			a, err := loadApp(e, f)
			if err != nil {
				return err
			}
			ctx := c.Context()
			l, err := a.lock(ctx, "render", true)
			if err != nil {
				return err
			}
			defer l.Release()
			if err := a.openStore(ctx); err != nil {
				return err
			}
			defer a.close()
			stored, err := a.store.Runs(ctx)
			if err != nil {
				return withCode(exitFailed, err)
			}
			// A run that failed before it had papers (the feed could not be
			// fetched) has no digest to render.
			var runs []store.Run
			for _, r := range stored {
				if r.Status != store.RunFailed {
					runs = append(runs, r)
				}
			}
			if len(runs) == 0 {
				return withCode(exitFailed, fmt.Errorf("render: the store %s has no days yet; run `arxiv-digest run` first", a.cfg.StorePath()))
			}
			var dates []string
			switch {
			case date != "":
				dates = []string{date}
			case all:
				for _, r := range runs {
					dates = append(dates, r.Date)
				}
			default:
				dates = []string{runs[0].Date}
			}
			r := a.runner(nil)
			for _, d := range dates {
				if !slices.ContainsFunc(runs, func(r store.Run) bool { return r.Date == d }) {
					return usageError(fmt.Errorf("render: the store has no digest for %s; it has %s", d, storedDays(runs)))
				}
				res, err := r.Rerender(ctx, d, th)
				if errors.Is(err, store.ErrNoRun) {
					return usageError(fmt.Errorf("render: the store has no digest for %s; it has %s", d, storedDays(runs)))
				}
				if err != nil {
					return withCode(exitFailed, fmt.Errorf("render: %w", err))
				}
				note := ""
				if res.Digest.ThresholdPreview {
					note = fmt.Sprintf(" (a preview; the config's threshold is %g)", a.cfg.Threshold)
				}
				fmt.Fprintf(e.stdout, "%s: %d selected at threshold %g%s -> %s\n", d, res.Digest.Stats.Selected, res.Digest.Threshold, note, res.Dir)
			}
			return nil
		},
	}
	f.register(c)
	c.Flags().StringVar(&date, "date", "", "the day to rebuild (YYYY-MM-DD); default: the newest stored day")
	c.Flags().BoolVar(&all, "all", false, "rebuild every stored day")
	c.Flags().Float64Var(&threshold, "threshold", 0, "preview the digest at this relevance (0..1) instead of the config's threshold")
	return c
}

// storedDays lists the stored days for a message, newest first, eliding
// the middle of a long list.
func storedDays(runs []store.Run) string {
	const show = 10
	var ds []string
	for i, r := range runs {
		if i == show-2 && len(runs) > show {
			ds = append(ds, "…", runs[len(runs)-1].Date)
			break
		}
		ds = append(ds, r.Date)
	}
	if len(runs) == 1 {
		return "1 day: " + ds[0]
	}
	return fmt.Sprintf("%d days (newest first): %s", len(runs), strings.Join(ds, ", "))
}
