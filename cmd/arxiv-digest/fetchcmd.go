package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/arxiv-digest/arxiv-digest/fetch"
	"github.com/arxiv-digest/arxiv-digest/model"
)

func newFetchCmd(e *env) *cobra.Command {
	var (
		f      configFlags
		date   string
		format string
	)
	c := &cobra.Command{
		Use:   "fetch",
		Short: "List the papers a run would judge, without calling the model",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return usageError(fmt.Errorf("--format %q: want table or json", format))
			}
			if date != "" {
				if err := fetch.CheckDate(date, time.Now()); err != nil {
					return usageError(fmt.Errorf("--date: %w", err))
				}
			}
			a, err := loadApp(e, f)
			if err != nil {
				return err
			}
			fc := a.fetcher()
			ctx := c.Context()
			var day *fetch.Day
			if date == "" {
				day, err = fc.Latest(ctx, a.cfg.Arxiv.Categories)
			} else {
				day, err = fc.Day(ctx, a.cfg.Arxiv.Categories, date)
			}
			if err != nil {
				return withCode(exitFailed, err)
			}
			papers, _ := day.Keep(a.cfg.Arxiv.AnnounceTypes)
			if format == "json" {
				out := struct {
					Date            string        `json:"date"`
					Source          string        `json:"source"`
					NoAnnouncements bool          `json:"no_announcements"`
					Papers          []model.Paper `json:"papers"`
				}{day.Date, day.Source, day.NoAnnouncements, papers}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			fmt.Fprintf(e.stdout, "%s: %d papers to judge (%d announced; keeping %s)\n", day.Date, len(papers), len(day.Papers), joinTypes(a.cfg.Arxiv.AnnounceTypes))
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTYPE\tCATEGORIES\tTITLE")
			for _, p := range papers {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.ID, p.AnnounceType, strings.Join(p.Categories, ","), clip(p.Title, 90))
			}
			return tw.Flush()
		},
	}
	f.register(c)
	c.Flags().StringVar(&date, "date", "", "a past announcement day (YYYY-MM-DD), from the arXiv API")
	c.Flags().StringVar(&format, "format", "table", "table or json")
	return c
}

func joinTypes(ts []model.AnnounceType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
