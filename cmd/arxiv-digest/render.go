package main

import (
	"fmt"

	"github.com/spf13/cobra"
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
from the judgements in the store, without asking the model anything: to see
what a lower --threshold would add, or to pick up a newer page design.
Without --date it rebuilds the newest stored day.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if date != "" && all {
				return usageError(fmt.Errorf("use --date or --all, not both"))
			}
			var th *float64
			if c.Flags().Changed("threshold") {
				if threshold < 0 || threshold > 1 {
					return usageError(fmt.Errorf("--threshold %g: must be between 0 and 1", threshold))
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
			dates := []string{date}
			if date == "" {
				runs, err := a.store.Runs(ctx)
				if err != nil {
					return withCode(exitFailed, err)
				}
				if len(runs) == 0 {
					return withCode(exitFailed, fmt.Errorf("render: the store %s has no runs yet; run `arxiv-digest run` first", a.cfg.StorePath()))
				}
				dates = dates[:0]
				for _, r := range runs {
					dates = append(dates, r.Date)
					if !all {
						break
					}
				}
			}
			r := a.runner(nil)
			for _, d := range dates {
				res, err := r.Rerender(ctx, d, th)
				if err != nil {
					return withCode(exitFailed, fmt.Errorf("render %s: %w", d, err))
				}
				fmt.Fprintf(e.stdout, "%s: %d selected at threshold %g -> %s\n", d, res.Digest.Stats.Selected, res.Digest.Threshold, res.Dir)
			}
			return nil
		},
	}
	f.register(c)
	c.Flags().StringVar(&date, "date", "", "the day to rebuild (YYYY-MM-DD); default: the newest stored day")
	c.Flags().BoolVar(&all, "all", false, "rebuild every stored day")
	c.Flags().Float64Var(&threshold, "threshold", 0, "select papers at this relevance instead of the day's threshold (0..1)")
	return c
}
